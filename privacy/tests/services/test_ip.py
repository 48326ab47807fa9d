import pytest

from accounts.models import Site
from privacy.services.ip import ip_for_storage


@pytest.mark.parametrize(
    "ip, stored",
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.3", "10.1.2.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("2001:0DB8:0000:0001::0001", "2001:db8::"),
        ("::ffff:203.0.113.77", "203.0.113.0"),
        ("fe80::1:2%eth0", "fe80::"),
    ],
)
def test_anonymised_keeps_the_network_part_only(ip, stored):
    assert ip_for_storage(site=Site(ip_handling="anonymised"), ip=ip) == stored


@pytest.mark.parametrize(
    "ip, stored",
    [
        ("203.0.113.77", "203.0.113.77"),
        ("2001:0DB8:0000:0000::0001", "2001:db8::1"),
        ("::ffff:203.0.113.77", "203.0.113.77"),
        (" 198.51.100.4 ", "198.51.100.4"),
    ],
)
def test_full_keeps_the_normalised_address(ip, stored):
    assert ip_for_storage(site=Site(ip_handling="full"), ip=ip) == stored


@pytest.mark.parametrize("ip", ["203.0.113.77", "2001:db8::1", "::ffff:203.0.113.77"])
def test_off_stores_nothing(ip):
    assert ip_for_storage(site=Site(ip_handling="off"), ip=ip) is None


@pytest.mark.parametrize("mode", ["anonymised", "full"])
@pytest.mark.parametrize("ip", [None, "", "not an ip", "203.0.113.256", "unix:/run/daphne.sock"])
def test_anything_but_an_address_stores_nothing(mode, ip):
    assert ip_for_storage(site=Site(ip_handling=mode), ip=ip) is None


def test_an_unknown_mode_stores_nothing():
    assert ip_for_storage(site=Site(ip_handling="everything"), ip="203.0.113.77") is None
