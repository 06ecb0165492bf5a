#!/usr/bin/perl
# build-mmdb.pl - builds the lab's GeoLite2-ASN- and GeoLite2-City-shaped MMDB files from lab-asn.csv and lab-city.csv.
#
# Usage: build-mmdb.pl OUTDIR [ASN_CSV [CITY_CSV]]
# Writes OUTDIR/lab-asn.mmdb and OUTDIR/lab-city.mmdb with MaxMind's own
# writer (Debian libmaxmind-db-writer-perl). The lab lives in 198.18.0.0/15,
# which the writer refuses by default as reserved space; remove_reserved_networks
# => 0 lets it in. Input rows are checked strictly; a bad row stops the build
# with its file and line number, and nothing is written.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Temp qw(tempfile);
use MaxMind::DB::Writer::Tree;

my $here = dirname(__FILE__);
my $out  = shift @ARGV or die "usage: build-mmdb.pl OUTDIR [ASN_CSV [CITY_CSV]]\n";
my $asn_csv  = shift(@ARGV) // "$here/lab-asn.csv";
my $city_csv = shift(@ARGV) // "$here/lab-city.csv";
-d $out or die "build-mmdb.pl: output directory '$out' does not exist\n";

# English country names for the codes the lab uses; others fall back to the code.
my %country_name = (
    CN => 'China', RU => 'Russia', KP => 'North Korea', DE => 'Germany',
    NL => 'Netherlands', US => 'United States',
);

# Split one CSV line: fields may be double-quoted, "" escapes a quote.
sub csv_split {
    my ($line, $where) = @_;
    my @f;
    while (1) {
        if ($line =~ s/^"((?:[^"]|"")*)"(,|$)//) {
            (my $v = $1) =~ s/""/"/g;
            push @f, $v;
            last if $2 eq '';
        } elsif ($line =~ s/^([^",]*)(,|$)//) {
            push @f, $1;
            last if $2 eq '';
        } else {
            die "build-mmdb.pl: $where: malformed CSV field\n";
        }
    }
    return @f;
}

sub ip4 {
    my ($s, $where) = @_;
    $s =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/ && $1 < 256 && $2 < 256 && $3 < 256 && $4 < 256
        or die "build-mmdb.pl: $where: '$s' is not an IPv4 address\n";
    return (($1 << 24) | ($2 << 16) | ($3 << 8) | $4);
}

# read_rows(FILE, NFIELDS): list of [where, fields...] with checked ranges.
sub read_rows {
    my ($file, $n) = @_;
    open my $fh, '<', $file or die "build-mmdb.pl: cannot read $file: $!\n";
    my @rows;
    while (my $line = <$fh>) {
        my $where = "$file:$.";
        $line =~ s/\r?\n$//;
        next if $line eq '' || $line =~ /^#/;
        my @f = csv_split($line, $where);
        @f == $n or die "build-mmdb.pl: $where: expected $n fields, found " . scalar(@f) . "\n";
        ip4($f[0], $where) <= ip4($f[1], $where)
            or die "build-mmdb.pl: $where: range start $f[0] is after end $f[1]\n";
        push @rows, [$where, @f];
    }
    close $fh;
    @rows or die "build-mmdb.pl: $file has no rows\n";
    return @rows;
}

sub new_tree {
    my ($type, $desc, $types) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 4,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $desc },
        remove_reserved_networks => 0,
        map_key_type_callback    => sub { $types->{ $_[0] } // die "build-mmdb.pl: no type for key '$_[0]'\n" },
    );
}

# Write to a temporary file beside the target, then rename, so a failed
# build never leaves a half-written database behind.
sub write_tree {
    my ($tree, $path) = @_;
    my ($fh, $tmp) = tempfile("$path.XXXXXX");
    binmode $fh;
    $tree->write_tree($fh);
    close $fh or die "build-mmdb.pl: writing $tmp: $!\n";
    # pathmortem reads databases after dropping to an unprivileged user.
    chmod 0644, $tmp or die "build-mmdb.pl: chmod $tmp: $!\n";
    rename $tmp, $path or die "build-mmdb.pl: rename to $path: $!\n";
}

my $asn = new_tree('GeoLite2-ASN', 'pathmortem lab ASN data (198.18.0.0/15)', {
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
});
for my $r (read_rows($asn_csv, 4)) {
    my ($where, $start, $end, $num, $org) = @$r;
    $num =~ /^\d{1,10}$/ && $num <= 4294967295 or die "build-mmdb.pl: $where: bad AS number '$num'\n";
    $asn->insert_range($start, $end, {
        autonomous_system_number       => $num + 0,
        autonomous_system_organization => $org,
    });
}

my $city = new_tree('GeoLite2-City', 'pathmortem lab city data (198.18.0.0/15)', {
    country => 'map', city => 'map', location => 'map', postal => 'map',
    subdivisions => ['array', 'map'], names => 'map', en => 'utf8_string',
    iso_code => 'utf8_string', code => 'utf8_string', latitude => 'double',
    longitude => 'double', time_zone => 'utf8_string',
});
for my $r (read_rows($city_csv, 10)) {
    my ($where, $start, $end, $cc, $state1, $state2, $cityname, $postcode, $lat, $lon, $tz) = @$r;
    $cc =~ /^[A-Z]{2}$/ or die "build-mmdb.pl: $where: bad country code '$cc'\n";
    for ([$lat, 90], [$lon, 180]) {
        my ($v, $lim) = @$_;
        $v =~ /^-?\d+(\.\d+)?$/ && abs($v) <= $lim or die "build-mmdb.pl: $where: bad coordinate '$v'\n";
    }
    my %rec = (
        country  => { iso_code => $cc, names => { en => $country_name{$cc} // $cc } },
        location => { latitude => $lat + 0.0, longitude => $lon + 0.0 },
    );
    $rec{location}{time_zone} = $tz if $tz ne '';
    $rec{city} = { names => { en => $cityname } } if $cityname ne '';
    $rec{postal} = { code => $postcode } if $postcode ne '';
    my @subs = map { { names => { en => $_ } } } grep { $_ ne '' } ($state1, $state2);
    $rec{subdivisions} = \@subs if @subs;
    $city->insert_range($start, $end, \%rec);
}

write_tree($asn,  "$out/lab-asn.mmdb");
write_tree($city, "$out/lab-city.mmdb");
print "$out/lab-asn.mmdb\n$out/lab-city.mmdb\n";
