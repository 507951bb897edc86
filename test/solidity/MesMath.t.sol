// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {MesMath} from "../../contracts/libraries/MesMath.sol";
import {BillMath} from "../../contracts/libraries/BillMath.sol";

/// @dev SPEC 10 in Solidity: the shared vectors (test/vectors/mes.json, written by the TS model) and the
/// fuzz properties of PSA and MES.
contract MesMathTest is Base {
    uint256 internal constant ONE = 1e18;
    uint256 internal constant MAX64 = type(uint64).max;
    uint256 internal constant MAX_PROSUMERS = 16;

    /// @dev test/vectors/mes.json: one array per field, row i across them is one case.
    struct Vectors {
        uint256[] loadWh;
        uint256[] generationWh;
        uint256[] capacityW;
        uint256[] psa;
        uint256[] df;
        uint256[] mesW;
        uint256[] allowedWh;
    }

    string private constant VECTORS_TYPE =
        "Vectors(uint256[] loadWh,uint256[] generationWh,uint256[] capacityW,uint256[] psa,uint256[] df,"
        "uint256[] mesW,uint256[] allowedWh)";

    function testSharedVectors() public view {
        Vectors memory v = abi.decode(readVectors("test/vectors/mes.json", VECTORS_TYPE), (Vectors));
        assertTrue(v.loadWh.length >= 300, "at least 300 vectors");
        for (uint256 i; i < v.loadWh.length; ++i) {
            assertEq(MesMath.psa(v.loadWh[i], v.generationWh[i]), v.psa[i], "psa");
            assertEq(MesMath.decrementalFactor(v.loadWh[i], v.generationWh[i]), v.df[i], "df");
            assertEq(MesMath.mes(v.psa[i], v.capacityW[i]), v.mesW[i], "mes");
            assertEq(BillMath.allowedExportWh(v.psa[i], v.capacityW[i]), v.allowedWh[i], "allowedWh");
        }
    }

    function testPsaEdges() public pure {
        assertEq(MesMath.psa(0, 0), ONE, "no load, no generation: full share");
        assertEq(MesMath.psa(5, 5), ONE, "G == L: full share");
        assertEq(MesMath.psa(0, 7), 0, "no load: zero share");
        assertEq(MesMath.psa(3, 4), 75e16, "3/4");
        assertEq(MesMath.psa(1, 3), 333333333333333333, "1/3 floors");
        assertEq(MesMath.psa(MAX64 - 1, MAX64), (uint256(MAX64 - 1) * ONE) / MAX64, "near uint64 max");
        assertEq(MesMath.decrementalFactor(1, 3), ONE - 333333333333333333, "DF = 1 - PSA");
        assertEq(MesMath.decrementalFactor(9, 3), 0, "no surplus: DF 0");
    }

    function testFuzzPsaIsOneExactlyWhenNoSurplus(uint64 load, uint64 gen) public pure {
        uint256 p = MesMath.psa(load, gen);
        if (gen <= load) assertEq(p, ONE, "G <= L gives 1.0");
        else assertTrue(p < ONE, "G > L gives < 1.0");
        assertEq(p + MesMath.decrementalFactor(load, gen), ONE, "PSA + DF == 1");
    }

    function testFuzzMesNeverExceedsCapacity(uint64 load, uint64 gen, uint64 capacity) public pure {
        uint256 p = MesMath.psa(load, gen);
        uint256 m = MesMath.mes(p, capacity);
        assertLe(m, capacity, "MES <= capacity");
        assertLe(
            BillMath.allowedExportWh(p, capacity),
            uint256(capacity) * BillMath.PERIOD_HOURS,
            "share <= cap*4h"
        );
        // Rounding PSA first never lets MES exceed the exact share L / G * capacity.
        if (gen > load) assertLe(m, (uint256(load) * capacity) / gen, "MES <= exact L/G * capacity");
    }

    function testFuzzSumOfSharesWithinClusterShare(
        uint64 load,
        uint64 gen,
        uint256 seed,
        uint8 count
    ) public pure {
        uint256 n = bound(count, 1, MAX_PROSUMERS);
        uint256 p = MesMath.psa(load, gen);
        uint256 sumMes;
        uint256 sumCap;
        for (uint256 i; i < n; ++i) {
            uint256 cap = uint256(keccak256(abi.encode(seed, i))) % (MAX64 + 1);
            sumMes += MesMath.mes(p, cap);
            sumCap += cap;
        }
        assertLe(sumMes, MesMath.mes(p, sumCap), "sum of MES <= PSA * sum of capacities");
    }

    function testFuzzMonotonic(uint64 load, uint64 gen, uint64 more) public pure {
        uint256 p = MesMath.psa(load, gen);
        uint256 moreLoad = uint256(load) + (more % (MAX64 - load + 1));
        uint256 moreGen = uint256(gen) + (more % (MAX64 - gen + 1));
        assertTrue(MesMath.psa(moreLoad, gen) >= p, "non-decreasing in L");
        assertTrue(MesMath.psa(load, moreGen) <= p, "non-increasing in G");
    }
}
