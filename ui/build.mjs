// Builds the explorer into src/stemma/ui/static, the files the Python package ships and
// `stemma serve` answers at /ui. Run through scripts/build-ui (npm ci, type check, this).
//
//   static/index.html            the app shell (every extension-less /ui/... path gets it)
//   static/assets/main.js|css    the first view: sign-in, lists and details
//   static/assets/chunks/*.js    loaded on demand: the graph view, cytoscape.js and dagre
//   static/assets/icon.svg
//   static/THIRD-PARTY-LICENSES.txt   the licences of the bundled npm packages
//   static/build-info.json       a digest of the sources, to tell a stale build from a fresh one

import { createHash } from "node:crypto";
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const out = join(root, "..", "src", "stemma", "ui", "static");

/** The files whose contents decide the build; tests/ui recomputes this digest. */
export function sourceDigest() {
  const files = ["build.mjs", "index.html", "package.json", "package-lock.json", "tsconfig.json"];
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else files.push(path.split(sep).join("/"));
    }
  };
  walk("src");
  walk("public");
  const digest = createHash("sha256");
  for (const file of files.sort()) {
    const content = createHash("sha256")
      .update(readFileSync(join(root, file)))
      .digest("hex");
    digest.update(`${file}\0${content}\n`);
  }
  return digest.digest("hex");
}

function licenses(metafile) {
  const packages = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (match) packages.add(match[1]);
  }
  const sections = [...packages].sort().map((name) => {
    const dir = join(root, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${meta.license}`;
    const title = `${name} ${meta.version}`;
    return `${title}\n${"=".repeat(title.length)}\n\n${text}\n`;
  });
  return `Third-party software bundled in the stemma lineage explorer\n\n${sections.join("\n")}`;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: "src/main.ts" },
  outdir: join(out, "assets"),
  bundle: true,
  splitting: true,
  format: "esm",
  target: ["es2022", "chrome110", "firefox115", "safari16"],
  minify: true,
  legalComments: "none",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});

cpSync(join(root, "index.html"), join(out, "index.html"));
cpSync(join(root, "public"), join(out, "assets"), { recursive: true });
writeFileSync(join(out, "THIRD-PARTY-LICENSES.txt"), licenses(result.metafile));
writeFileSync(
  join(out, "build-info.json"),
  `${JSON.stringify({ sources: sourceDigest(), esbuild: esbuild.version }, null, 2)}\n`,
);

let total = 0;
const sizes = Object.entries(result.metafile.outputs).map(([file, { bytes }]) => {
  total += bytes;
  const kib = (bytes / 1024).toFixed(1).padStart(7);
  return `  ${relative(out, join(root, file)).padEnd(40)} ${kib} KiB`;
});
console.log(`Built the explorer into ${relative(process.cwd(), out) || "."}:`);
console.log(sizes.join("\n"));
console.log(`  ${"total".padEnd(40)} ${(total / 1024).toFixed(1).padStart(7)} KiB`);
