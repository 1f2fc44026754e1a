"""Review of submitted versions by the statistics office: screening, workflow, quality rubric."""
