"""CI: the Woodpecker API and its engine (forges, repos, compiler, queue, pipelines, logs, agents)."""
