"""Only the optional C accelerator; all metadata lives in pyproject.toml.

`optional=True`: without a C compiler the build of the extension fails quietly and snapdesk
installs anyway, falling back to hashlib + numpy (snapdesk.audience._fast).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "snapdesk.audience._sha256batch",
            sources=["snapdesk/audience/_sha256batch.c"],
            optional=True,
        )
    ]
)
