"""The default world, now built from the policy file, is the world the generator's code built before."""

from __future__ import annotations

from denial_ml.data.synthetic.fingerprint import world_fingerprint
from denial_ml.data.synthetic.world import generate_world

# `world_fingerprint(generate_world(3_000, seed=7))` recorded from main at 26840d2, before the payer rules moved
# from the generator's code into policies/default.yaml. Change it only for an intended change of the default
# world (and say so in the commit); bench/compare_worlds.py checks the same at 20,000 and 200,000 claims.
BEFORE_THE_MOVE = {
    "adjustments": "ebefb8301f9afa362f6468e76928005bc3440df7806911f8158207821bb496f2",
    "appeals": "a9202f3469ea6eb9c0dead5690607759acd1b965e5eff764acb681823244008c",
    "authorizations": "3f3f8e989d8bf0867200a2d966b3413dd82f7568d4b79b6a8426c9edf096a274",
    "claim_lines": "999668e39bae3999f8cac804aec0b4d7d01d86427b23023c9b417d1c415c3339",
    "claims": "e93281c4b4c1e637e7128a63737c6086d0b0301e0c14adc52e5f523c1f5abe96",
    "coverages": "0adf2c72987a41850d7bbea930e090cfa8153592dbfb1dab4ce53c530dcfbfab",
    "patients": "35d14016045d0315ccab11d027f1d47764211a456703f53327ccaf4b79d61599",
    "payers": "975f9f4f6eb937337eed4e3dec46ed26f7e0f8f265bba6f92f3d174e2c0e1fa3",
    "providers": "43cdcbe3d1e10c328163882c45896ef537450e4dace4d41b1c2fba6ab6c1fd84",
    "remarks": "d996db729aebf2aac3eddb9d4da3ee87c2d7f36bb96577c117b1e5e94c426a34",
    "remittance_lines": "d393d29d8ea00015aed6bb3cb113661bdb8cd2024f0b69deef924b47c895ce20",
    "remittances": "13a5c111935ad46d456b23321ef0f271fae8ef15492b7378b60ebaa2ac00ce32",
    # Re-recorded in session 10 on an AMD EPYC without AVX-512, when the digest began rounding floats to 10
    # decimals: the raw digest, taken on another processor, differed here in `truth` alone (its probabilities come
    # from numpy's exp/log, whose last bits depend on the SIMD path), and the 12 other tables kept their digests.
    "truth": "6f67ac8fc1812158db3046828db049ef8903f00511402c3b5198760421000800",
}


def test_the_default_world_is_bit_identical_to_the_one_built_before_the_rules_moved():
    world = generate_world(3_000, seed=7)
    changed = {name for name, digest in world_fingerprint(world).items() if BEFORE_THE_MOVE.get(name) != digest}
    assert changed == set()
    carcs = set(world["adjustments"]["carc"])
    assert {"5", "97", "96", "204", "197"} <= carcs  # the moved rules fire in this small world


def test_a_digest_changes_with_any_value():
    world = generate_world(200, seed=3)
    before = world_fingerprint(world)
    world["claims"].loc[5, "total_charge"] += 0.01
    after = world_fingerprint(world)
    assert {name for name in before if before[name] != after[name]} == {"claims"}


def test_a_digest_ignores_float_noise_below_its_decimals_but_not_a_real_change():
    world = generate_world(200, seed=3)
    before = world_fingerprint(world)["truth"]
    probability = world["truth"]["denial_probability"]
    assert (
        world_fingerprint({"truth": world["truth"].assign(denial_probability=probability * (1 + 1e-15))})["truth"]
        == before
    )  # another processor's last bits
    assert world_fingerprint({"truth": world["truth"].assign(denial_probability=probability + 1e-6)})["truth"] != before
