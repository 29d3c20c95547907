"""Signs requests with botocore and prints each step, for comparison with our SigV4 signer.
Reads one JSON request per line on stdin; writes one JSON result per line."""
import base64
import json
import sys

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

for line in sys.stdin:
    case = json.loads(line)
    credentials = Credentials(case["access"], case["secret"], case.get("token"))
    auth_class = S3SigV4Auth if case["service"] == "s3" else SigV4Auth
    auth = auth_class(credentials, case["service"], case["region"])
    request = AWSRequest(method=case["method"], url=case["url"], headers=case["headers"], data=base64.b64decode(case["body"]))
    request.context["timestamp"] = case["timestamp"]
    request.headers["X-Amz-Date"] = case["timestamp"]
    if case.get("token"):
        request.headers["X-Amz-Security-Token"] = case["token"]
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    print(json.dumps({
        "canonicalRequest": canonical,
        "stringToSign": string_to_sign,
        "signature": auth.signature(string_to_sign, request),
    }))
    sys.stdout.flush()
