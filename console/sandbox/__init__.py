"""The embedded sandbox: a local AWS endpoint seeded with a realistic API Gateway estate.

This package's root stays light (no moto import) so the console can launch a sandbox process
without paying for moto itself; `server` and `estate` are imported only where they run, and moto
only through `moto_seam`, when first needed.
"""

# moto accepts any credentials: the sandbox answers to the console's placeholder identity.
from console.aws.local import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY  # noqa: F401 (the sandbox's own names)

ACCOUNT_ID = "123456789012"
# The sandbox's one virtual MFA device always shows this code; STS refuses any other.
SANDBOX_MFA_CODE = "246810"
