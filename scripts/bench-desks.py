#!/usr/bin/env python3
"""Circulation desks for scripts/bench-sync.sh: DESKS threads, each posting one item-checked-out
event at a time to patronblocks for patrons the simulator knows, until SIGTERM. Prints
`<acknowledged> <5xx or no answer> <other answers>` when stopped."""
import http.client, json, signal, sys, threading, urllib.parse, uuid, datetime

pb_port, sim_port, desks, tenant = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())

sim = http.client.HTTPConnection("127.0.0.1", sim_port)
sim.request("GET", "/loan-storage/loans?" + urllib.parse.urlencode({"query": "status.name==Open sortBy id", "limit": 1000}, quote_via=urllib.parse.quote),
            headers={"X-Okapi-Tenant": tenant})
users = sorted({loan["userId"] for loan in json.loads(sim.getresponse().read())["loans"]})

counts = [[0, 0, 0] for _ in range(desks)]

def desk(number):
    connection = http.client.HTTPConnection("127.0.0.1", pb_port, timeout=120)
    sent = 0
    while not stop.is_set():
        sent += 1
        due = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=14)).isoformat(timespec="milliseconds")
        body = json.dumps({"userId": users[(number * 7919 + sent * 31) % len(users)], "loanId": str(uuid.uuid4()), "dueDate": due})
        try:
            connection.request("POST", "/automated-patron-blocks/handlers/item-checked-out", body,
                               {"X-Okapi-Tenant": tenant, "Content-Type": "application/json"})
            status = connection.getresponse()
            status.read()
            counts[number][0 if status.status == 204 else 1 if status.status >= 500 else 2] += 1
        except Exception:
            counts[number][1] += 1
            connection = http.client.HTTPConnection("127.0.0.1", pb_port, timeout=120)

threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*[sum(c[i] for c in counts) for i in range(3)])
