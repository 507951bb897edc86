// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title NeighbourRanking
/// @notice SPEC 2's neighbour order, the twin of lib/registry/ranking.ts: squared Euclidean distance between
/// cluster locations ascending, then the candidate cluster's meter count descending, then node address
/// ascending. Squared distances are compared (no square root), which orders exactly like distances.
library NeighbourRanking {
    struct Candidate {
        address node;
        uint256 distanceSquared;
        uint32 meterCount;
    }

    /// @dev Squared distance between two integer points; exact for every int64 input (fits in 129 bits).
    function distanceSquared(int64 ax, int64 ay, int64 bx, int64 by) internal pure returns (uint256) {
        uint256 dx = _absDiff(ax, bx);
        uint256 dy = _absDiff(ay, by);
        return dx * dx + dy * dy;
    }

    /// @dev True when `a` ranks strictly before `b`.
    function before(Candidate memory a, Candidate memory b) internal pure returns (bool) {
        if (a.distanceSquared != b.distanceSquared) return a.distanceSquared < b.distanceSquared;
        if (a.meterCount != b.meterCount) return a.meterCount > b.meterCount;
        return a.node < b.node;
    }

    /// @dev Keeps the best `k` candidates seen so far in `best[0..k)`, sorted; `filled` is how many are set.
    /// Insertion into a 3-element array: O(k) per candidate, so ranking n clusters costs O(3n).
    function insert(
        Candidate[] memory best,
        uint256 filled,
        Candidate memory c
    ) internal pure returns (uint256) {
        uint256 k = best.length;
        uint256 pos = filled < k ? filled : k;
        while (pos > 0 && before(c, best[pos - 1])) {
            if (pos < k) best[pos] = best[pos - 1];
            pos--;
        }
        if (pos < k) best[pos] = c;
        return filled < k ? filled + 1 : k;
    }

    function _absDiff(int64 a, int64 b) private pure returns (uint256) {
        int256 d = int256(a) - int256(b);
        return uint256(d >= 0 ? d : -d);
    }
}
