#!/usr/bin/env python3
"""Benchmark: import N enterprises (default 20,000) from a CSV through the running portal.

Logs in as a city officer, uploads a generated CSV (valid credit codes, demo villages),
polls the progress endpoint until the check is done, confirms, and prints the times of
each phase. Run against a fresh demo database:

    APP_DATA_DIR=/tmp/bench ./target/release/portal serve &
    python3 tests/bench/import_enterprises.py http://127.0.0.1:8080 20000
"""
import http.cookiejar
import json
import re
import sys
import time
import urllib.request
import uuid

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
HEADERS = ["统一社会信用代码", "企业名称", "所在区域代码", "行业代码", "地址", "法定代表人",
           "安全负责人", "联系电话", "从业人数", "规模", "风险标签"]
VILLAGES = ["330381101201", "330381101202", "330381003001", "330381104201", "330381001001"]


def credit_code(n):
    first17 = "91330381MA" + f"{n:07d}"
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + CHARSET[(31 - total % 31) % 31]


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def fetch(path, data=None, headers=None):
        req = urllib.request.Request(base + path, data=data, headers=headers or {})
        try:
            return opener.open(req)
        except urllib.error.HTTPError as e:  # 303s arrive here without the redirect handler
            return e

    def csrf(path):
        html = fetch(path).read().decode()
        return re.search(r'name="_csrf" value="([0-9a-f]+)"', html).group(1)

    token = csrf("/login")
    form = f"username=yjj&password=Anquan%402026&_csrf={token}".encode()
    assert fetch("/login", form, {"Content-Type": "application/x-www-form-urlencoded"}).status == 303

    lines = [",".join(HEADERS)]
    for i in range(n):
        lines.append(",".join([credit_code(i), f"瑞安市样本{i}号企业", VILLAGES[i % len(VILLAGES)],
                               "C3670", "浙江省瑞安市工业区", "陈立新", "陈晓燕", "13957712345",
                               str(5 + i % 300), "小微", "粉尘涉爆"]))
    body_csv = ("\n".join(lines) + "\n").encode()
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + body_csv + f"\r\n--{boundary}--\r\n".encode()

    token = csrf("/regulator/imports")
    t0 = time.time()
    res = fetch(f"/regulator/imports?_csrf={token}", body,
                {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert res.status == 303, res.status
    batch = res.headers["Location"]
    t_upload = time.time() - t0
    while True:
        p = json.load(fetch(f"{batch}/progress"))
        if p["status"] != "validating":
            break
        time.sleep(0.2)
    t_checked = time.time() - t0
    assert p["status"] == "ready", p
    token = csrf(batch)
    t1 = time.time()
    res = fetch(f"{batch}/commit", f"_csrf={token}".encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})
    assert res.status == 303, res.status
    t_commit = time.time() - t1
    print(f"rows={n} file={len(body_csv) / 1e6:.1f}MB upload={t_upload:.2f}s "
          f"checked={t_checked:.2f}s commit={t_commit:.2f}s")


if __name__ == "__main__":
    main()
