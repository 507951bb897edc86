// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle64Fixture} from "./Merkle64.t.sol";
import {ReadingLib} from "../../contracts/libraries/ReadingLib.sol";

/// @title SPEC 4's reading rules on-chain: ReadingLib.violation gives every shared vector's rule, the one
/// lib/batches/reading.ts gives (test/vectors/reading-rules.json).
contract ReadingRulesTest is Merkle64Fixture {
    /// @dev test/vectors/reading-rules.json: one array per field, row i across them is one case.
    struct Vectors {
        uint256[] importWh;
        uint256[] exportWh;
        uint256[] loadWh;
        uint256[] generationWh;
        uint256[] peakLoadW;
        uint256[] peakGenerationW;
        uint256[] consumer;
        uint256[] rule;
        string[] ruleName;
    }

    string private constant VECTORS_TYPE =
        "Vectors(uint256[] importWh,uint256[] exportWh,uint256[] loadWh,uint256[] generationWh,"
        "uint256[] peakLoadW,uint256[] peakGenerationW,uint256[] consumer,uint256[] rule,string[] ruleName)";

    function testSharedVectors() public view {
        Vectors memory v = abi.decode(
            readVectors("test/vectors/reading-rules.json", VECTORS_TYPE),
            (Vectors)
        );
        assertTrue(v.rule.length >= 400, "at least 400 vectors");
        uint256 seen;
        for (uint256 i; i < v.rule.length; ++i) {
            ReadingLib.Reading memory r = ReadingLib.Reading({
                meter: address(0xA1),
                period: 7,
                importWh: uint64(v.importWh[i]),
                exportWh: uint64(v.exportWh[i]),
                loadWh: uint64(v.loadWh[i]),
                generationWh: uint64(v.generationWh[i]),
                peakLoadW: uint32(v.peakLoadW[i]),
                peakGenerationW: uint32(v.peakGenerationW[i])
            });
            uint256 got = uint256(h.readingViolation(r, v.consumer[i] == 1));
            if (got != v.rule[i])
                revert AssertionFailed(string.concat("row ", vm.toString(i), ": ", v.ruleName[i]));
            seen |= 1 << got;
        }
        uint256 every = (1 << (uint256(type(ReadingLib.Rule).max) + 1)) - 1;
        assertEq(seen, every, "every rule appears");
    }

    /// @dev Any balanced reading within a meter's power passes as a prosumer's; a consumer's also needs no
    /// generation.
    function testFuzzPlausibleReadingPasses(uint32 peakLoad, uint32 peakGen, uint64 l, uint64 g) public view {
        peakLoad = uint32(bound(peakLoad, 0, 250_000));
        peakGen = uint32(bound(peakGen, 0, 250_000));
        l = uint64(bound(l, 0, uint256(peakLoad) * 4));
        g = uint64(bound(g, 0, uint256(peakGen) * 4));
        ReadingLib.Reading memory r = ReadingLib.Reading({
            meter: address(0xA1),
            period: 7,
            importWh: l > g ? l - g : 0,
            exportWh: g > l ? g - l : 0,
            loadWh: l,
            generationWh: g,
            peakLoadW: peakLoad,
            peakGenerationW: peakGen
        });
        assertEq(uint256(h.readingViolation(r, false)), uint256(ReadingLib.Rule.None), "prosumer passes");
        ReadingLib.Rule asConsumer = h.readingViolation(r, true);
        bool generates = g != 0 || peakGen != 0;
        assertEq(
            uint256(asConsumer),
            uint256(generates ? ReadingLib.Rule.ConsumerGeneration : ReadingLib.Rule.None),
            "consumer"
        );
    }
}
