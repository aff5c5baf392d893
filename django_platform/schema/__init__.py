"""Migrations against the code still serving: which operations of a release break the old code
(safety.py), the plan the database has not applied yet (plan.py), and one migrate at a time
(lock.py). platform_migrate runs the safe part in the release phase and refuses the rest."""
