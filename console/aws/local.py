"""The made-up identity of a local endpoint (the embedded sandbox, moto, LocalStack), which accepts any keys.

These keys make a sandbox session unmistakable in logs and the journal; they open nothing on AWS.
"""

ACCESS_KEY_ID = "SANDBOXACCESSKEY"
SECRET_ACCESS_KEY = "sandbox-secret-not-a-real-key"
REGION = "us-east-1"
