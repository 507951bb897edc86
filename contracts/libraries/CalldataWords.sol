// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// One assembly read: a word of a packed calldata argument without a slice's per-read bounds check and masking.
// Callers check the bounds of a whole record once; fuzzed against plain slices in CalldataWords.t.sol.
/* solhint-disable no-inline-assembly */

/// @title CalldataWords
/// @notice Reads 32-byte words of a packed `bytes calldata` argument at byte offsets (the BatchLedger's
/// submissions: 36-byte headers, 65-byte signatures, 20-byte addresses back to back).
library CalldataWords {
    /// @notice The 32 bytes of `data` starting at byte `offset`, big-endian; bytes past the end of the whole
    /// calldata read as zero, bytes past the end of `data` but inside the calldata read as they are, so the
    /// caller must check `offset + needed <= data.length` first.
    /// @param data A calldata byte array.
    /// @param offset Byte offset into `data`.
    /// @return w The word; a field of `n` bytes at `offset` is `w >> (256 - 8 * n)`.
    function wordAt(bytes calldata data, uint256 offset) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, offset))
        }
    }
}
