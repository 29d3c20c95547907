# Sourced by scripts/test.sh: moto's server (S3, SES, IAM on one port) on loopback with
# signature checking on. moto checks nothing until told to: with INITIAL_NO_AUTH_ACTION_COUNT=3
# the first three requests are free, and are used here to create an IAM user, its access key and
# an allow-all policy; from then on every request must be signed with that key.
# Exports PATRONSYNC_TEST_MOTO_URL and PATRONSYNC_TEST_AWS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY.

start_moto() {
  MOTO_PORT="$(free_port)"
  MOTO_DIR="$(mktemp -d /tmp/patronsync-moto.XXXXXX)"
  INITIAL_NO_AUTH_ACTION_COUNT=3 nohup moto_server -H 127.0.0.1 -p "$MOTO_PORT" > "$MOTO_DIR/log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $MOTO_PORT), 0.2)" 2>/dev/null && break
    sleep 0.1
  done
  local keys
  keys="$(python3 - "http://127.0.0.1:$MOTO_PORT" <<'PY'
import json, sys, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="patronsync")
key = iam.create_access_key(UserName="patronsync")["AccessKey"]
iam.put_user_policy(UserName="patronsync", PolicyName="everything", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
print(key["AccessKeyId"], key["SecretAccessKey"])
PY
)" || { echo "moto: bootstrap failed; see $MOTO_DIR/log" >&2; return 1; }
  # moto's /moto-api/data.json (where sent mail is read back) breaks once multipart parts exist,
  # when their simulated "restore" status advances; keep that status still.
  python3 - "http://127.0.0.1:$MOTO_PORT" <<'PY'
import json, sys, urllib.request
body = json.dumps({"model_name": "s3::keyrestore", "transition": {"progression": "manual", "times": 1}}).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/moto-api/state-manager/set-transition", data=body, method="POST"))
PY
  export PATRONSYNC_TEST_MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  export PATRONSYNC_TEST_AWS_ACCESS_KEY_ID="${keys%% *}"
  export PATRONSYNC_TEST_AWS_SECRET_ACCESS_KEY="${keys#* }"
  echo "moto: listening on 127.0.0.1:$MOTO_PORT with signature checking (log in $MOTO_DIR/log)" >&2
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    rm -rf "$MOTO_DIR"
  fi
}
