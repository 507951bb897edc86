// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The subset of the Foundry cheatcode interface that GridShare's Solidity tests use.
/// Hardhat 3's Solidity test runner serves it at the standard cheatcode address.
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert() external;
    function assume(bool condition) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function readFile(string calldata path) external view returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function parseJsonAddress(string calldata json, string calldata key) external pure returns (address);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytesArray(
        string calldata json,
        string calldata key
    ) external pure returns (bytes[] memory);
    /// @dev Decodes the whole JSON value into the type `typeDescription` names, e.g. "Pair(uint256 a,int256 b)":
    /// struct fields are looked up by name, decimal strings become numbers; abi.decode the result.
    function parseJsonType(
        string calldata json,
        string calldata typeDescription
    ) external pure returns (bytes memory);
    /// @dev The same for the JSON value at `key`.
    function parseJsonType(
        string calldata json,
        string calldata key,
        string calldata typeDescription
    ) external pure returns (bytes memory);
}

/// @dev Minimal assertion base (forge-std is not on the npm registry in a current version).
abstract contract Base {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string what);
    error AssertionFailedUint(string what, uint256 left, uint256 right);

    function assertTrue(bool c, string memory what) internal pure {
        if (!c) revert AssertionFailed(what);
    }

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailedUint(what, a, b);
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert AssertionFailedUint(what, a, b);
    }

    /// @dev A vectors file of test/vectors/ as the struct `typeDescription` names (see Vm.parseJsonType).
    function readVectors(
        string memory path,
        string memory typeDescription
    ) internal view returns (bytes memory) {
        return vm.parseJsonType(vm.readFile(path), typeDescription);
    }

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        uint256 size = max - min + 1;
        return min + (x % size);
    }
}
