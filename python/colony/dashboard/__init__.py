"""The head's web process: the job API now (submitting, watching and stopping jobs), the
dashboard and the state API later. `colony start --head` starts it
(`python -m colony.dashboard`); docs/jobs.md describes the API."""
