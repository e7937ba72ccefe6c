"""Drives this service with the real twilio-python client (Debian's python3-twilio), one JSON command per line.

The test (twilio-python.test.ts) writes a command to stdin, {"op": ..., "args": {...}}, and reads one line back:
{"ok": <resource or list>} or {"error": {"class", "status", "code", "msg"}}. Each value is reported with its Python
type, so the test can see that dates arrive as datetime and not as strings. Only the client is exercised here; the
test holds every assertion.
"""
import datetime
import json
import sys

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

base_url, account, token = sys.argv[1], sys.argv[2], sys.argv[3]
client = Client(account, token)
client.verify.base_url = base_url
verify = client.verify.v2


def typed(value):
    if isinstance(value, datetime.datetime):
        return {"type": "datetime", "iso": value.isoformat(), "utc": value.utcoffset() == datetime.timedelta(0)}
    return {"type": type(value).__name__, "value": value}


def resource(instance):
    return {key: typed(getattr(instance, key)) for key in instance._properties}


def run(op, a):
    if op == "service_create":
        return resource(verify.services.create(**a["fields"]))
    if op == "service_fetch":
        return resource(verify.services(a["sid"]).fetch())
    if op == "service_update":
        return resource(verify.services(a["sid"]).update(**a["fields"]))
    if op == "service_delete":
        return verify.services(a["sid"]).delete()
    if op == "service_list":
        return [resource(s) for s in verify.services.list(page_size=a["page_size"])]
    if op == "service_page":
        page = verify.services.page(page_size=a["page_size"])
        return {"count": len(list(page)), "next_page_url": page.next_page_url}
    service = verify.services(a["service"])
    if op == "start":
        return resource(service.verifications.create(**a["fields"]))
    if op == "fetch":
        return resource(service.verifications(a["sid"]).fetch())
    if op == "update":
        return resource(service.verifications(a["sid"]).update(status=a["status"]))
    if op == "check":
        return resource(service.verification_checks.create(**a["fields"]))
    if op == "rate_limit_create":
        return resource(service.rate_limits.create(**a["fields"]))
    if op == "bucket_create":
        return resource(service.rate_limits(a["rate_limit"]).buckets.create(**a["fields"]))
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    command = json.loads(line)
    try:
        answer = {"ok": run(command["op"], command.get("args", {}))}
    except TwilioRestException as error:
        answer = {"error": {"class": type(error).__name__, "status": error.status, "code": error.code, "msg": error.msg}}
    print(json.dumps(answer), flush=True)
