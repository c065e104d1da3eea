"""apigw-console: the core. Sessions, read model, sandbox — importable without Textual."""

__version__ = "0.1.0"
