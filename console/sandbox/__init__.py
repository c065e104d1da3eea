"""The embedded sandbox: a local AWS endpoint seeded with a realistic API Gateway estate.

This package's root stays light (no moto import) so the console can launch a sandbox process
without paying for moto itself; `server` and `seed` are imported only where they run.
"""

REGION = "us-east-1"
# moto accepts any credentials; these make a sandbox session unmistakable in logs and audit.
ACCESS_KEY_ID = "SANDBOXACCESSKEY"
SECRET_ACCESS_KEY = "sandbox-secret-not-a-real-key"
ACCOUNT_ID = "123456789012"
# The sandbox's one virtual MFA device always shows this code; STS refuses any other.
SANDBOX_MFA_CODE = "246810"
