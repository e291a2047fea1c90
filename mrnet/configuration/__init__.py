"""Typed, layered configuration (``conf/``) for every job."""
from mrnet.configuration.loader import ConfigError, dump_yaml, load_config, to_dict
from mrnet.configuration.schema import PipelineConfig

__all__ = ["ConfigError", "PipelineConfig", "dump_yaml", "load_config", "to_dict"]
