// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {TariffRule} from "../../contracts/libraries/TariffRule.sol";

/// @dev TariffRule against the TS twin's vectors (test/vectors/tariff.json) and its own properties.
contract TariffRuleTest is Base {
    /// @dev test/vectors/tariff.json: one array per field, row i across them is one case.
    struct Vectors {
        uint256 count;
        uint256[] baseImportRate;
        uint256[] baseExportRate;
        uint256[] floorRate;
        uint256[] ceilingRate;
        uint256[] sensitivityBps;
        uint256[] loadWh;
        uint256[] generationWh;
        uint256[] importRate;
        uint256[] exportRate;
        int256[] gapBps;
    }

    string private constant VECTORS_TYPE =
        "Vectors(uint256 count,uint256[] baseImportRate,uint256[] baseExportRate,uint256[] floorRate,"
        "uint256[] ceilingRate,uint256[] sensitivityBps,uint256[] loadWh,uint256[] generationWh,"
        "uint256[] importRate,uint256[] exportRate,int256[] gapBps)";

    function testVectorsMatchTypeScript() public view {
        Vectors memory v = abi.decode(readVectors("./test/vectors/tariff.json", VECTORS_TYPE), (Vectors));
        assertTrue(v.count >= 60, "vector count");
        assertEq(v.loadWh.length, v.count, "column length");
        for (uint256 i = 0; i < v.count; i++) {
            TariffRule.Params memory p = TariffRule.Params({
                baseImportRate: uint64(v.baseImportRate[i]),
                baseExportRate: uint64(v.baseExportRate[i]),
                floorRate: uint64(v.floorRate[i]),
                ceilingRate: uint64(v.ceilingRate[i]),
                sensitivityBps: uint16(v.sensitivityBps[i])
            });
            assertTrue(TariffRule.isValid(p), "vector params valid");
            (uint64 imp, uint64 exp) = TariffRule.rates(p, uint64(v.loadWh[i]), uint64(v.generationWh[i]));
            assertEq(imp, v.importRate[i], "importRate");
            assertEq(exp, v.exportRate[i], "exportRate");
            assertTrue(
                TariffRule.gapBps(uint64(v.loadWh[i]), uint64(v.generationWh[i])) == v.gapBps[i],
                "gapBps"
            );
        }
    }

    function _params(
        uint64 a,
        uint64 b,
        uint64 f,
        uint64 width,
        uint16 s
    ) private pure returns (TariffRule.Params memory) {
        uint64 bi = a > b ? a : b;
        uint64 be = a > b ? b : a;
        uint64 floorRate = uint64(bound(f, 0, type(uint64).max / 2));
        uint64 ceilingRate = uint64(floorRate + bound(width, 0, type(uint64).max / 2));
        return
            TariffRule.Params(
                bi,
                be,
                floorRate,
                ceilingRate,
                uint16(bound(s, 0, TariffRule.MAX_SENSITIVITY_BPS))
            );
    }

    /// More load never lowers a rate, more generation never raises one; export never exceeds import.
    function testFuzzMonotoneAndOrdered(
        uint64 a,
        uint64 b,
        uint64 f,
        uint64 width,
        uint16 s,
        uint64 load,
        uint64 gen,
        uint64 delta
    ) public pure {
        TariffRule.Params memory p = _params(a, b, f, width, s);
        load = uint64(bound(load, 0, type(uint64).max / 2));
        gen = uint64(bound(gen, 0, type(uint64).max / 2));
        delta = uint64(bound(delta, 1, type(uint64).max / 2));
        (uint64 imp, uint64 exp) = TariffRule.rates(p, load, gen);
        (uint64 impL, uint64 expL) = TariffRule.rates(p, load + delta, gen);
        (uint64 impG, uint64 expG) = TariffRule.rates(p, load, gen + delta);
        assertLe(imp, impL, "import rises with load");
        assertLe(exp, expL, "export rises with load");
        assertLe(impG, imp, "import falls with generation");
        assertLe(expG, exp, "export falls with generation");
        assertLe(exp, imp, "export <= import");
        assertLe(p.floorRate, imp, "floor");
        assertLe(imp, p.ceilingRate, "ceiling");
    }

    function testInvalidParamsAreRefused() public pure {
        assertTrue(
            !TariffRule.isValid(TariffRule.Params(300_000, 100_000, 700_000, 600_000, 5_000)),
            "floor>ceiling"
        );
        assertTrue(
            !TariffRule.isValid(TariffRule.Params(100_000, 300_000, 0, 600_000, 5_000)),
            "export>import"
        );
        assertTrue(
            !TariffRule.isValid(TariffRule.Params(300_000, 100_000, 0, 600_000, 10_001)),
            "sensitivity"
        );
        assertTrue(TariffRule.isValid(TariffRule.Params(300_000, 100_000, 0, 600_000, 10_000)), "edge valid");
    }
}
