"""SageMaker Python SDK v2 (``sagemaker<3``): ``Run``, ``load_run``, ``list_runs`` and
``ExperimentAnalytics`` against stemma's experiments, Search and sagemaker-metrics.

Runs in the ``sdk2`` client venv; see README.md here. The tests are in ``runs_sdk.py``.
"""

from __future__ import annotations

import sagemaker.utils
from sagemaker.analytics import ExperimentAnalytics
from sagemaker.experiments import experiment as experiment_module
from sagemaker.experiments import trial_component as trial_component_module
from sagemaker.experiments.experiment import Experiment
from sagemaker.experiments.run import Run, SortOrderType, list_runs, load_run
from sagemaker.session import Session

from tests.clients.runs_sdk import RunsApi, RunsSdkContract


class TestRunsSdkV2(RunsSdkContract):
    api = RunsApi(
        Session=Session,
        Run=Run,
        load_run=load_run,
        list_runs=list_runs,
        SortOrderType=SortOrderType,
        ExperimentAnalytics=ExperimentAnalytics,
        Experiment=Experiment,
        retry_module=sagemaker.utils,
        pause_modules=(experiment_module, trial_component_module),
    )
