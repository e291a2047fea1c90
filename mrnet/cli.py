"""The command line of every job: the only place that parses arguments.

A job is ``main(job, description, stage, sections, flags)``: it loads the layered conf, maps its
flags onto conf keys (``--groups toys`` is ``--set train.groups=[toys]``), builds the session,
runs ``stage(spark, store, cfg, run)`` and turns errors into exit codes (see
:mod:`mrnet.errors`). ``--help`` lists the keys of the job's conf sections with their defaults.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import typing
from dataclasses import dataclass
from typing import Callable, Sequence

from mrnet.configuration import ConfigError, PipelineConfig, load_config
from mrnet.configuration.schema import describe
from mrnet.errors import PipelineError

log = logging.getLogger("mrnet")


@dataclass(frozen=True)
class Flag:
    """A command-line shortcut for one conf key: a switch (``boolean``) or a value."""

    name: str
    key: str
    help: str
    boolean: bool = False
    is_list: bool = False   # a comma-separated value becomes a YAML list
    text: bool = False      # the value is a string as typed (not read as YAML: "0123", "a: b")
    nargs: str | None = None  # a positional argument: "?" one or none, "*" any number


def job_parser(description: str, sections: Sequence[str] = (),
               flags: Sequence[Flag] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description, epilog=_conf_help(sections),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conf-env", default="local",
                        help="environment folder under conf/ layered over conf/base (default: local)")
    parser.add_argument("--catalog", default=None,
                        help="a catalog conf: NAME for conf/catalogs/NAME.yaml, or a YAML path "
                             "(default: the synthetic catalog of conf/base/catalog.yaml)")
    parser.add_argument("--preset", dest="presets", action="append", default=[], metavar="NAME",
                        help="settings of conf/presets/NAME.yaml over the defaults, e.g. --preset "
                             "paper (the paper's model, autoencoders and word vectors; repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value, e.g. --set synthetic.rows=100000 (repeatable)")
    parser.add_argument("--conf-dir", default=None, help="the conf/ folder (default: the project's)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of a failure the job would report in one line")
    for flag in flags:
        if flag.boolean:
            parser.add_argument(flag.name, action="store_true", help=f"{flag.help} (= {flag.key})")
        elif flag.nargs:     # a positional argument
            parser.add_argument(flag.name, nargs=flag.nargs, default=None, help=f"{flag.help} (= {flag.key})")
        else:
            parser.add_argument(flag.name, default=None, help=f"{flag.help} (= {flag.key})")
    return parser


def _conf_help(sections: Sequence[str]) -> str:
    hints = typing.get_type_hints(PipelineConfig)
    lines = []
    for section in sections:
        lines += [f"conf keys of [{section}] (set with --set {section}.KEY=VALUE):",
                  *describe(hints[section], section), ""]
    return "\n".join(lines)


def flag_overrides(args: argparse.Namespace, flags: Sequence[Flag]) -> list[str]:
    """The ``key=value`` overrides that the given flags stand for."""
    out = []
    for flag in flags:
        value = getattr(args, flag.name.lstrip("-").replace("-", "_"))
        if isinstance(value, list):       # a positional argument of several values
            value = ",".join(value) or None
        if flag.boolean and value:
            out.append(f"{flag.key}=true")
        elif flag.text and value is not None:
            out.append(f"{flag.key}={json.dumps(value)}")   # JSON is YAML: a quoted string
        elif not flag.boolean and value is not None:
            out.append(f"{flag.key}=[{value}]" if flag.is_list else f"{flag.key}={value}")
    return out


def load_job_config(args: argparse.Namespace, flags: Sequence[Flag] = ()) -> PipelineConfig:
    return load_config(PipelineConfig, env=args.conf_env,
                       overrides=[*args.overrides, *flag_overrides(args, flags)],
                       catalog=args.catalog, conf_dir=args.conf_dir, presets=args.presets)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        datefmt="%H:%M:%S")


def run_job(job: str, description: str, stage: Callable, sections: Sequence[str] = (),
            flags: Sequence[Flag] = (), argv=None, spark: bool = True) -> dict:
    """Parse, load the config, build the session (unless the job reads tables on the driver
    only: ``spark=False``), run ``stage``, record the run (raises)."""
    from mrnet.modelstore import RunRecord
    from mrnet.session import build_spark_session
    from mrnet.storage import TableStore

    args = job_parser(description, sections, flags).parse_args(argv)
    setup_logging()
    cfg = load_job_config(args, flags)
    spark = build_spark_session(cfg.spark, app_name=f"mrnet-{job}") if spark else None
    store = TableStore(spark, cfg.storage)
    run = RunRecord.start(job, cfg)
    summary = run.finish(stage(spark, store, cfg, run))
    log.info("%s done in %.1fs; run record: %s", job, summary["seconds"], run.folder)
    return summary


def main(job: str, description: str, stage: Callable, sections: Sequence[str] = (),
         flags: Sequence[Flag] = (), argv=None, spark: bool = True) -> None:
    """``run_job``, with errors a person can act on turned into a message and an exit code."""
    try:
        run_job(job, description, stage, sections, flags, argv, spark)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    except PipelineError as error:
        print(f"{job} failed: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except Exception as error:   # a known failure, maybe raised on an executor and wrapped by Spark
        line = known_failure(error)
        if line is None or "--debug" in (sys.argv[1:] if argv is None else argv):
            raise
        print(f"{job} failed: {line} (--debug shows the traceback)", file=sys.stderr)
        sys.exit(1)


# Failures of the model store that a person can act on, as the last line of a (worker) traceback.
_KNOWN = re.compile(r"^(?:mrnet\.[\w.]+\.)?(ChecksumMismatch|UnsupportedFormat): (.+)$", re.MULTILINE)
_WHAT_TO_DO = {"ChecksumMismatch": "the model store is damaged: restore that folder, or retrain "
                                   "(jobs/train.py, or jobs/nightly.py --force)",
               "UnsupportedFormat": "upgrade mrnet, or score with a model version this one wrote"}


def known_failure(error: BaseException) -> str | None:
    """One line for a known failure (the file it names and what to do), or None."""
    match = _KNOWN.search(f"{type(error).__name__}: {error}")
    if match is None:
        return None
    kind, message = match.group(1), match.group(2).strip()
    return f"{message}; {_WHAT_TO_DO[kind]}"

