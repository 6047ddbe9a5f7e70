"""The batch application layer: jobs that read and write files, models, MLflow and the store.

Each job is a plain function that the CLI, the notebooks and the demo call: generate a world, train and log
the denial-risk model, train the recovery model and build the worklist, compare and promote models, write the
tracking report, and the demo that chains them. Jobs report progress through a callback and the
`denial_ml.jobs` loggers, so long work shows in logs as well as on a terminal.
"""
