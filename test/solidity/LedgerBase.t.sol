// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {ClusterRegistry} from "../../contracts/ClusterRegistry.sol";
import {BatchLedger} from "../../contracts/BatchLedger.sol";
import {IBatchLedger} from "../../contracts/interfaces/IBatchLedger.sol";

/// @dev A wired registry + ledger whose nodes have known keys, and the packed submission encoding
/// (twin of lib/batches/submission.ts) for Solidity tests of the attestation vote.
abstract contract LedgerBase is Base {
    /// @dev Mon 2024-01-01 00:00 UTC.
    uint64 internal constant EPOCH = 1_704_067_200;
    uint256 internal constant PERIOD_SECONDS = 14_400;
    uint256 internal constant KEY_BASE = 0xA11CE;
    uint256 internal constant MAX_VOTERS = 4;
    uint8 internal constant TAG_OWN_DIGEST = 0x80;

    ClusterRegistry internal registry;
    BatchLedger internal ledger;

    /// @dev One attestation to encode: the signer's key and the digest it signs.
    struct Att {
        uint256 key;
        bytes32 digest;
    }

    /// @dev `nodeCount` nodes, node i parenting cluster i + 1; the clock in period `nowPeriod`.
    function _deploy(uint256 nodeCount, uint256 nowPeriod) internal {
        _deployLedger(nowPeriod);
        for (uint256 i = 0; i < nodeCount; i++) _addCluster(i, int64(int256(i)), 0);
    }

    /// @dev A wired registry + ledger and no node yet; the clock in period `nowPeriod`.
    function _deployLedger(uint256 nowPeriod) internal {
        vm.warp(EPOCH + nowPeriod * PERIOD_SECONDS + 1);
        registry = new ClusterRegistry(address(this), address(0), EPOCH, 4);
        ledger = new BatchLedger(registry);
        registry.setLedger(ledger);
    }

    /// @dev Node `i` registered at (x, y), parenting a new cluster there.
    function _addCluster(uint256 i, int64 x, int64 y) internal {
        registry.addNode(_node(i), x, y);
        registry.createCluster(_node(i), x, y);
    }

    function _key(uint256 node) internal pure returns (uint256) {
        return KEY_BASE + node;
    }

    function _node(uint256 i) internal pure returns (address) {
        return vm.addr(_key(i));
    }

    function _currentPeriod() internal view returns (uint32) {
        return ledger.currentPeriod();
    }

    /// @dev Variant `choice` of a cluster-period's header (choice 0 is "the honest one").
    function _header(
        uint32 clusterId,
        uint32 period,
        uint256 choice
    ) internal pure returns (IBatchLedger.BatchHeader memory) {
        return
            IBatchLedger.BatchHeader({
                clusterId: clusterId,
                period: period,
                root: bytes8(uint64(0xA0 + choice)),
                leafCount: 4,
                totalLoadWh: uint64(10_000 + choice),
                totalGenerationWh: 12_000
            });
    }

    function _digest(IBatchLedger.BatchHeader memory h) internal pure returns (bytes32) {
        return keccak256(abi.encode(h));
    }

    function _sign(
        uint256 key,
        uint32 clusterId,
        uint32 period,
        bytes32 digest
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, ledger.attestationHash(clusterId, period, digest));
        return abi.encodePacked(r, s, v);
    }

    /// @dev One packed item: `atts` signed now, each in the slot of its signer among `voters` (which must
    /// hold it), then the absent voters' addresses.
    function _item(
        IBatchLedger.BatchHeader memory h,
        address[] memory voters,
        Att[] memory atts
    ) internal view returns (bytes memory out) {
        bytes32 digest = _digest(h);
        out = abi.encodePacked(
            h.clusterId,
            h.period,
            h.root,
            h.leafCount,
            h.totalLoadWh,
            h.totalGenerationWh,
            uint8(atts.length)
        );
        uint256 seen = 0;
        for (uint256 i = 0; i < atts.length; i++) {
            uint256 slot = _slotOf(voters, vm.addr(atts[i].key));
            seen |= 1 << slot;
            bytes memory sig = _sign(atts[i].key, h.clusterId, h.period, atts[i].digest);
            if (atts[i].digest == digest) out = abi.encodePacked(out, uint8(slot), sig);
            else out = abi.encodePacked(out, uint8(slot) | TAG_OWN_DIGEST, atts[i].digest, sig);
        }
        for (uint256 s = 0; s < voters.length; s++) {
            if (seen & (1 << s) == 0) out = abi.encodePacked(out, voters[s]);
        }
    }

    /// @dev The voter set a cluster-period counts against, as the ledger reports it.
    function _votersOf(uint32 clusterId, uint32 period) internal view returns (address[] memory) {
        return ledger.votesOf(clusterId, period).voters;
    }

    function _slotOf(address[] memory voters, address who) internal pure returns (uint256) {
        for (uint256 s = 0; s < voters.length; s++) if (voters[s] == who) return s;
        revert AssertionFailed("signer is no voter");
    }

    function _popcount(uint256 mask) internal pure returns (uint256 n) {
        for (; mask != 0; mask >>= 1) n += mask & 1;
    }
}
