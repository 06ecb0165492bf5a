/* pcapcount.c - the floor for the offline benchmark: reads a capture with libpcap alone and counts its packets. */
#define _DEFAULT_SOURCE /* pcap.h needs the BSD u_char/u_int types */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcapcount FILE.pcap\n");
        return 64;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcapcount: %s\n", err);
        return 66;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    unsigned long long n = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        n++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcapcount: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 65;
    }
    pcap_close(p);
    printf("%llu %llu\n", n, bytes);
    return 0;
}
