"""Pipeline stages. Importing the package first checks that this Python can run them.

`dvc repro` runs `python -m pipeline.<stage>` with whatever `python` is first on PATH; outside
the project's .venv that used to end in a bare ModuleNotFoundError. This check is stdlib only,
written so that even Python 2 can parse it, and costs about a millisecond.
"""

import os
import sys

MIN_PYTHON = (3, 11)
# import names of the packages every stage needs (pyproject.toml [project] dependencies)
REQUIRED = ("yaml", "pyarrow", "pandas", "dask", "duckdb", "spacy", "gensim", "lxml", "ftfy")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def describe_fix(problem):  # type: (str) -> str
    """What is wrong with this Python, and the commands that fix it."""
    # plain concatenation: Python 2 must parse this file to print the message
    venv = os.path.join(ROOT, ".venv")
    if os.path.realpath(sys.prefix) == os.path.realpath(venv):
        advice = "The project's .venv is incomplete; from " + ROOT + " run\n"
        advice += "    bash scripts/setup.sh\n"
    elif os.path.exists(os.path.join(venv, "bin", "python")):
        advice = "The project's .venv exists but this is another Python; from " + ROOT + " run\n"
        advice += "    source .venv/bin/activate\n"
        advice += "and run the command again (or call .venv/bin/dvc or .venv/bin/longue).\n"
    else:
        advice = "The pipeline runs in the project's virtual environment; from " + ROOT + " run\n"
        advice += "    bash scripts/setup.sh\n"
        advice += "    source .venv/bin/activate\n"
        advice += "and run the command again.\n"
    version = ".".join(str(v) for v in sys.version_info[:3])
    where = " (" + (sys.executable or "python") + ", Python " + version + ").\n"
    return "longue-duree: " + problem + where + advice.rstrip("\n")


def check_environment():  # type: () -> None
    """Exit with the fix when this Python is too old or lacks the project's packages."""
    if tuple(sys.version_info[:2]) < MIN_PYTHON:
        needed = ".".join(str(v) for v in MIN_PYTHON)
        raise SystemExit(describe_fix("Python " + needed + " or newer is needed"))
    import importlib.util

    missing = [name for name in REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        problem = "this Python lacks the project's packages: " + ", ".join(missing)
        raise SystemExit(describe_fix(problem))


check_environment()
