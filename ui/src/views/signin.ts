// Sign in with an access key and secret. The key is checked with one signed call before it is
// kept, so a wrong secret is reported here and not on the next page.

import { ApiError, describeError } from "../api";
import { field, h } from "../dom";
import { heading } from "./common";
import type { SignInContext } from "./view";

const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "eu-west-2",
  "eu-central-1",
  "ap-northeast-1",
  "ap-southeast-1",
  "ap-southeast-2",
];

export function renderSignIn(ctx: SignInContext): void {
  ctx.setTitle("Sign in");
  const params = ctx.route.params;
  const accessKey = h("input", {
    name: "accessKeyId",
    required: true,
    autocomplete: "username",
    spellcheck: "false",
    autocapitalize: "off",
  });
  const secret = h("input", {
    name: "secretAccessKey",
    type: "password",
    required: true,
    autocomplete: "current-password",
  });
  const region = h("input", {
    name: "region",
    required: true,
    value: params.get("region") || "us-east-1",
    pattern: "[a-z0-9\\-]+",
    list: "regions",
    spellcheck: "false",
    autocapitalize: "off",
  });
  const regions = h(
    "datalist",
    { id: "regions" },
    ...REGIONS.map((r) => h("option", { value: r })),
  );
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const message = h("div", { class: "signin-message", role: "alert" });
  if (params.get("reason") === "expired") {
    message.append(h("p", { class: "error" }, "Your credentials were refused. Sign in again."));
  }
  // Browsers offer the Web Crypto API that signs requests only to HTTPS pages and localhost.
  const canSign = window.isSecureContext && Boolean(globalThis.crypto?.subtle);
  if (!canSign) {
    message.append(
      h(
        "p",
        { class: "error" },
        "This browser can't sign requests on this page: it allows request signing only over " +
          "HTTPS or on localhost. Serve stemma with --tls-cert and --tls-key, or open it " +
          "through http://127.0.0.1 or http://localhost.",
      ),
    );
    submit.disabled = true;
  }

  const form = h(
    "form",
    { class: "signin", "aria-labelledby": "signin-title", novalidate: false },
    field("Access key ID", accessKey),
    field("Secret access key", secret),
    field("Region", region, "Each region is a separate namespace of lineage entities."),
    regions,
    submit,
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.replaceChildren();
    secret.removeAttribute("aria-invalid");
    accessKey.removeAttribute("aria-invalid");
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      await ctx.signIn({
        accessKeyId: accessKey.value.trim(),
        secretAccessKey: secret.value,
        region: region.value.trim(),
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === "InvalidSignatureException") {
        secret.setAttribute("aria-invalid", "true");
      } else if (error instanceof ApiError && error.code === "UnrecognizedClientException") {
        accessKey.setAttribute("aria-invalid", "true");
      }
      message.append(h("p", { class: "error" }, `Sign-in failed. ${describeError(error)}`));
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });

  const title = heading("Sign in to stemma");
  title.querySelector("h1")?.setAttribute("id", "signin-title");
  ctx.main.append(
    h(
      "section",
      { class: "card signin-card" },
      title,
      h(
        "p",
        { class: "sub" },
        "Use a stemma access key, as you would with boto3 or the AWS CLI. Every request is " +
          "signed in this browser with SigV4; the key stays in this tab's session storage " +
          "until you sign out.",
      ),
      form,
    ),
  );
  accessKey.focus();
}
