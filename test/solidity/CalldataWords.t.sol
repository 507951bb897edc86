// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Base} from "./Base.t.sol";
import {CalldataWords} from "../../contracts/libraries/CalldataWords.sol";

/// @dev Exposes the library to calldata: the assembly read next to the plain-slice reference.
contract CalldataWordsHarness {
    using CalldataWords for bytes;

    function wordAt(bytes calldata data, uint256 offset) external pure returns (uint256) {
        return data.wordAt(offset);
    }

    /// @dev The reference: a bounds-checked slice, zero-padded to 32 bytes when the data ends earlier.
    function sliceAt(bytes calldata data, uint256 offset) external pure returns (uint256) {
        uint256 end = offset + 32 < data.length ? offset + 32 : data.length;
        return uint256(bytes32(data[offset:end]));
    }
}

/// @dev CalldataWords.wordAt equals a plain slice wherever the caller has checked the bounds (the word lies
/// inside the data), and reads zeros past the end of the calldata.
contract CalldataWordsTest is Base {
    CalldataWordsHarness internal harness;

    function setUp() public {
        harness = new CalldataWordsHarness();
    }

    function testFuzz_wordInsideDataEqualsSlice(bytes memory data, uint256 offset) public {
        vm.assume(data.length >= 32);
        offset = bound(offset, 0, data.length - 32);
        assertEq(harness.wordAt(data, offset), harness.sliceAt(data, offset), "word == slice");
    }

    function testFuzz_fieldAtEndOfDataEqualsSlice(bytes memory data, uint256 offset) public {
        vm.assume(data.length > 0);
        offset = bound(offset, 0, data.length - 1);
        // A field of n bytes at the end: only its n bytes are meaningful (ABI pads the tail with zeros).
        uint256 n = data.length - offset < 32 ? data.length - offset : 32;
        uint256 keep = type(uint256).max << (256 - 8 * n);
        assertEq(harness.wordAt(data, offset) & keep, harness.sliceAt(data, offset), "field == slice");
    }
}
