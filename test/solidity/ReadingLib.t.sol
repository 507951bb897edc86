// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Merkle64Fixture} from "./Merkle64.t.sol";
import {ReadingLib} from "../../contracts/libraries/ReadingLib.sol";

/// @title ReadingLib tests: EIP-712 digest, signer and leaf of real signed readings equal TS's; balance rule.
contract ReadingLibTest is Merkle64Fixture {
    uint256 private constant SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    function _u(string memory json, string memory key) private pure returns (uint256) {
        return vm.parseJsonUint(json, key);
    }

    function _reading(string memory json, uint256 i) private pure returns (ReadingLib.Reading memory r) {
        string memory k = _key(".readings[", i, "]");
        r.meter = vm.parseJsonAddress(json, string.concat(k, ".meter"));
        r.period = uint32(_u(json, string.concat(k, ".period")));
        r.importWh = uint64(_u(json, string.concat(k, ".importWh")));
        r.exportWh = uint64(_u(json, string.concat(k, ".exportWh")));
        r.loadWh = uint64(_u(json, string.concat(k, ".loadWh")));
        r.generationWh = uint64(_u(json, string.concat(k, ".generationWh")));
        r.peakLoadW = uint32(_u(json, string.concat(k, ".peakLoadW")));
        r.peakGenerationW = uint32(_u(json, string.concat(k, ".peakGenerationW")));
    }

    function _domainSeparator(string memory json) private pure returns (bytes32 sep) {
        sep = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256("GridShare"),
                keccak256("1"),
                _u(json, ".chainId"),
                vm.parseJsonAddress(json, ".registry")
            )
        );
        assertTrue(sep == vm.parseJsonBytes32(json, ".domainSeparator"), "domain separator TS == Solidity");
    }

    /// @dev Buildings 1-12's signed readings: struct hash, digest, signer, leaf and the batch root agree with TS.
    function testVectorReadings() public view {
        string memory json = vm.readFile(VECTORS);
        bytes32 sep = _domainSeparator(json);
        uint256 count = _u(json, ".readingCount");
        assertEq(count, 12, "Buildings 1-12");
        bytes8[] memory leaves = new bytes8[](count);
        for (uint256 i; i < count; ++i) {
            string memory k = _key(".readings[", i, "]");
            ReadingLib.Reading memory r = _reading(json, i);
            bytes memory sig = vm.parseJsonBytes(json, string.concat(k, ".signature"));
            assertTrue(
                h.hashStruct(r) == vm.parseJsonBytes32(json, string.concat(k, ".structHash")),
                "structHash"
            );
            assertTrue(
                h.readingDigest(r, sep) == vm.parseJsonBytes32(json, string.concat(k, ".digest")),
                "digest"
            );
            assertTrue(h.readingSigner(r, sig, sep) == r.meter, "meter signed it");
            leaves[i] = h.readingLeaf(r, sig);
            assertTrue(
                leaves[i] == _b8(vm.parseJsonBytes(json, string.concat(k, ".leaf"))),
                "leaf TS == Solidity"
            );
            assertTrue(h.isBalanced(r), "real readings balance");
            if (i > 0) assertTrue(leaves[i] != leaves[i - 1], "distinct leaves");
        }
        assertTrue(h.computeRoot(leaves) == _b8(vm.parseJsonBytes(json, ".clusterRoot")), "cluster root");
    }

    /// @dev The high-s twin of a valid signature, a 64-byte signature and v = 0/1 are all refused.
    function testNonCanonicalSignaturesRefused() public {
        string memory json = vm.readFile(VECTORS);
        bytes32 sep = _domainSeparator(json);
        ReadingLib.Reading memory r = _reading(json, 0);
        bytes memory sig = vm.parseJsonBytes(json, ".readings[0].signature");
        (bytes32 rr, bytes32 s, uint8 v) = _split(sig);
        bytes memory highS = abi.encodePacked(
            rr,
            bytes32(SECP256K1_N - uint256(s)),
            v == 27 ? uint8(28) : uint8(27)
        );
        vm.expectRevert(
            abi.encodeWithSignature("ECDSAInvalidSignatureS(bytes32)", bytes32(SECP256K1_N - uint256(s)))
        );
        h.readingSigner(r, highS, sep);
        vm.expectRevert(abi.encodeWithSelector(ReadingLib.InvalidSignatureLength.selector, 64));
        h.readingSigner(r, abi.encodePacked(rr, s), sep);
        vm.expectRevert(abi.encodeWithSelector(ReadingLib.InvalidSignatureLength.selector, 66));
        h.readingLeaf(r, abi.encodePacked(sig, uint8(0)));
        vm.expectRevert(abi.encodeWithSignature("ECDSAInvalidSignature()"));
        h.readingSigner(r, abi.encodePacked(rr, s, v - 27), sep);
    }

    /// @dev isBalanced is exactly `load + export == generation + import`, without uint64 overflow.
    function testFuzzIsBalanced(
        uint64 importWh,
        uint64 exportWh,
        uint64 loadWh,
        uint64 generationWh
    ) public view {
        ReadingLib.Reading memory r;
        r.importWh = importWh;
        r.exportWh = exportWh;
        r.loadWh = loadWh;
        r.generationWh = generationWh;
        bool want = uint256(loadWh) + exportWh == uint256(generationWh) + importWh;
        assertTrue(h.isBalanced(r) == want, "isBalanced");
        // A balanced reading built from the fuzzed values (load absorbs the difference) passes.
        if (
            uint256(generationWh) + importWh >= exportWh &&
            uint256(generationWh) + importWh - exportWh <= type(uint64).max
        ) {
            r.loadWh = uint64(uint256(generationWh) + importWh - exportWh);
            assertTrue(h.isBalanced(r), "balanced reading");
        }
    }

    /// @dev A reading signed by any key recovers to that key; changing any field changes digest and leaf.
    function testFuzzSignAndLeaf(
        uint256 keySeed,
        uint32 period,
        uint64 loadWh,
        uint64 delta,
        uint8 field
    ) public view {
        uint256 key = bound(keySeed, 1, SECP256K1_N - 1);
        ReadingLib.Reading memory r;
        r.meter = vm.addr(key);
        r.period = period;
        r.loadWh = loadWh;
        r.importWh = loadWh;
        bytes32 sep = keccak256("test domain");
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, h.readingDigest(r, sep));
        bytes memory sig = abi.encodePacked(rr, s, v);
        assertTrue(h.readingSigner(r, sig, sep) == r.meter, "recovers signer");
        bytes8 leafBefore = h.readingLeaf(r, sig);
        uint64 d = delta == 0 ? 1 : delta;
        uint256 f = field % 7;
        if (f == 0) r.period ^= uint32(d);
        else if (f == 1) r.importWh ^= d;
        else if (f == 2) r.exportWh ^= d;
        else if (f == 3) r.loadWh ^= d;
        else if (f == 4) r.generationWh ^= d;
        else if (f == 5) r.peakLoadW ^= uint32(d) | 1;
        else r.peakGenerationW ^= uint32(d) | 1;
        if (f == 0 && uint32(d) == 0) return; // high bits only: uint32 field unchanged
        assertTrue(h.readingLeaf(r, sig) != leafBefore, "leaf commits every field");
        assertTrue(h.readingSigner(r, sig, sep) != r.meter, "signature commits every field");
    }

    function _split(bytes memory sig) private pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly ("memory-safe") {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
    }
}
