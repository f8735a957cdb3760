"""The small core every layer shares; it imports no other workbench package.

- ``schema``: every data type that crosses a stage boundary (pydantic, ``extra="forbid"``);
- ``config``: backends, their stages' engines, limits, the config file's lookup;
- ``cache``: the response cache, the only code that talks to diskcache and Redis;
- ``errors``: the error hierarchy, by whose fault it is;
- ``budget``: spending caps, and the spending of a run against them;
- ``prompts``: the versioned prompt files under ``prompts/``, hashed and rendered.
"""
