#!/usr/bin/perl
# perl-asn-build.pl - reference build of an ASN MMDB with MaxMind's own writer (Debian libmaxmind-db-writer-perl), to cross-check `pathmortem geo build`.
# usage: perl-asn-build.pl IN.csv OUT.mmdb   (rows: start,end,asn,"org"; IPv6 rows skipped)
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

die "usage: $0 IN.csv OUT.mmdb\n" unless @ARGV == 2;
my ($in, $out) = @ARGV;

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 4,
    record_size           => 28,
    database_type         => 'perl-ASN',
    languages             => ['en'],
    description           => { en => 'reference build by MaxMind::DB::Writer' },
    # Keep 198.18/15, 10/8 and friends: our tests (and the lab) map them.
    remove_reserved_networks => 0,
    map_key_type_callback => sub {
        my $k = shift;
        return $k eq 'autonomous_system_number' ? 'uint32' : 'utf8_string';
    },
);

open my $fh, '<:encoding(UTF-8)', $in or die "$in: $!\n";
while (my $line = <$fh>) {
    $line =~ s/\r?\n\z//;
    next if $line eq '';
    # Split on commas outside double quotes; "" inside quotes is one quote.
    my @f;
    while ($line =~ /\G(?:"((?:[^"]|"")*)"|([^,]*))(?:,|\z)/gc) {
        my $v = defined $1 ? $1 : $2;
        $v =~ s/""/"/g if defined $1;
        push @f, $v;
        last if pos($line) >= length $line;
    }
    next if @f < 4 || $f[0] =~ /:/;
    # Later rows override earlier ones, as in `pathmortem geo build`.
    $tree->insert_range($f[0], $f[1], {
        autonomous_system_number       => $f[2] + 0,
        autonomous_system_organization => $f[3],
    });
}
close $fh;

open my $ofh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($ofh);
close $ofh or die "$out: $!\n";
