#!/usr/bin/env python3
"""icmp-burst.py - measures a lab router's ICMP rate limits: sends ICMP echo requests and counts the answers by type, code and source.

usage (inside a lab namespace, as root):  icmp-burst.py PREFIX COUNT RATE TTL
  PREFIX  destinations, cycled through in address order (e.g. a dark /24)
  COUNT   echo requests to send (at most 100000)
  RATE    per second (paced by the answer wait, so an upper bound)
  TTL     the requests' TTL (3 expires at cu1, 64 reaches the border)
Prints the answers by (type, code, source) seen during the run and 1.5 s
after it, and the arrival times of the first 40. docs/lab.md gives the
figures it measured. Refuses destinations outside 198.18.0.0/15.
"""
import socket, struct, sys, time, select, collections, ipaddress
if len(sys.argv) != 5:
    sys.exit(__doc__.split('\n')[2])
net, count, rate, ttl = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if not ipaddress.ip_network(net).subnet_of(ipaddress.ip_network('198.18.0.0/15')):
    sys.exit('icmp-burst.py: %s is outside the lab (198.18.0.0/15)' % net)
if not (0 < count <= 100000 and 0 < rate <= 100000 and 0 < ttl < 256):
    sys.exit('icmp-burst.py: COUNT 1..100000, RATE 1..100000, TTL 1..255')
hosts = [str(a) for a in ipaddress.ip_network(net)]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
def csum(b):
    if len(b) % 2: b += b'\0'
    x = sum(struct.unpack('!%dH' % (len(b)//2), b)); x = (x >> 16) + (x & 0xffff); x += x >> 16
    return ~x & 0xffff
got = collections.Counter(); times = []
t0 = time.time(); sent = 0
def drain(until):
    while True:
        left = until - time.time()
        if left <= 0: return
        r, _, _ = select.select([s], [], [], left)
        if not r: return
        d, a = s.recvfrom(2000)
        ihl = (d[0] & 15) * 4; ty, co = d[ihl], d[ihl+1]
        if ty == 8: continue
        got[(ty, co, a[0])] += 1; times.append(round(time.time() - t0, 2))
while sent < count:
    p = struct.pack('!BBHHH', 8, 0, 0, 0x4242, sent) + b'x' * 16
    p = p[:2] + struct.pack('!H', csum(p)) + p[4:]
    s.sendto(p, (hosts[sent % len(hosts)], 0)); sent += 1
    drain(t0 + sent / rate)
drain(time.time() + 1.5)
print('sent', sent, 'in %.2f s' % (time.time() - t0 - 1.5))
for k, v in sorted(got.items()): print('type %d code %d from %s: %d' % (k + (v,)))
print('answer times:', times[:40])
