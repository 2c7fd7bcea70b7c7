-- Experiments, trials and trial components live in the entities table beside contexts, actions
-- and artifacts (kinds 'experiment', 'experiment-trial', 'experiment-trial-component'), so tags,
-- associations, quotas and QueryLineage treat them like any other entity.
--
-- parent: the id of the entity this one belongs to, fixed at creation (a trial's experiment);
-- NULL for every other kind. Indexed for ListTrials(ExperimentName) and delete refusals.
ALTER TABLE entities ADD COLUMN parent TEXT COLLATE "C";

CREATE INDEX entities_by_parent ON entities (account, region, kind, parent, created_ms, id);

-- Which trial components are in which trials (AssociateTrialComponent). experiment_id is the
-- trial's experiment, copied (it never changes) so ListTrialComponents(ExperimentName) reads one
-- index. counted: whether the membership counts towards the per-trial quota (seeded, i.e.
-- automatically created, trial components do not, D64). A membership is not a lineage edge.
CREATE TABLE trial_members (
    account       TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    trial_id      TEXT COLLATE "C" NOT NULL,
    tc_id         TEXT COLLATE "C" NOT NULL,
    experiment_id TEXT COLLATE "C" NOT NULL,
    counted       BOOLEAN NOT NULL,
    created_ms    BIGINT  NOT NULL,
    PRIMARY KEY (account, region, trial_id, tc_id)
);

CREATE INDEX trial_members_by_component
    ON trial_members (account, region, tc_id, created_ms, trial_id);
CREATE INDEX trial_members_by_experiment
    ON trial_members (account, region, experiment_id, tc_id);
