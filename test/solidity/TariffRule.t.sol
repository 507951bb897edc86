// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {TariffRule} from "../../contracts/libraries/TariffRule.sol";

/// @dev The JSON cheatcodes this test needs beyond Base's Vm (Foundry cheatcode ABI).
interface VmJson {
    function readFile(string calldata path) external view returns (string memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonUintArray(
        string calldata json,
        string calldata key
    ) external pure returns (uint256[] memory);
    function parseJsonIntArray(
        string calldata json,
        string calldata key
    ) external pure returns (int256[] memory);
}

/// @dev TariffRule against the TS twin's vectors (test/vectors/tariff.json) and its own properties.
contract TariffRuleTest is Base {
    VmJson internal constant vmj = VmJson(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Columns {
        uint256[] baseImport;
        uint256[] baseExport;
        uint256[] floorRate;
        uint256[] ceilingRate;
        uint256[] sensitivity;
        uint256[] load;
        uint256[] generation;
        uint256[] importRate;
        uint256[] exportRate;
        int256[] gap;
    }

    function _read() private view returns (Columns memory c, uint256 count) {
        string memory json = vmj.readFile("./test/vectors/tariff.json");
        count = vmj.parseJsonUint(json, ".count");
        c.baseImport = vmj.parseJsonUintArray(json, ".baseImportRate");
        c.baseExport = vmj.parseJsonUintArray(json, ".baseExportRate");
        c.floorRate = vmj.parseJsonUintArray(json, ".floorRate");
        c.ceilingRate = vmj.parseJsonUintArray(json, ".ceilingRate");
        c.sensitivity = vmj.parseJsonUintArray(json, ".sensitivityBps");
        c.load = vmj.parseJsonUintArray(json, ".loadWh");
        c.generation = vmj.parseJsonUintArray(json, ".generationWh");
        c.importRate = vmj.parseJsonUintArray(json, ".importRate");
        c.exportRate = vmj.parseJsonUintArray(json, ".exportRate");
        c.gap = vmj.parseJsonIntArray(json, ".gapBps");
    }

    function testVectorsMatchTypeScript() public view {
        (Columns memory c, uint256 count) = _read();
        assertTrue(count >= 60, "vector count");
        assertEq(c.load.length, count, "column length");
        for (uint256 i = 0; i < count; i++) {
            TariffRule.Params memory p = TariffRule.Params({
                baseImportRate: uint64(c.baseImport[i]),
                baseExportRate: uint64(c.baseExport[i]),
                floorRate: uint64(c.floorRate[i]),
                ceilingRate: uint64(c.ceilingRate[i]),
                sensitivityBps: uint16(c.sensitivity[i])
            });
            assertTrue(TariffRule.isValid(p), "vector params valid");
            (uint64 imp, uint64 exp) = TariffRule.rates(p, uint64(c.load[i]), uint64(c.generation[i]));
            assertEq(imp, c.importRate[i], "importRate");
            assertEq(exp, c.exportRate[i], "exportRate");
            assertTrue(TariffRule.gapBps(uint64(c.load[i]), uint64(c.generation[i])) == c.gap[i], "gapBps");
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
