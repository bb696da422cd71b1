// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The subset of Foundry's cheatcodes (at HEVM_ADDRESS) these tests use.
/// Signatures must match Foundry's exactly; see `forge` cheatcode reference.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;
    function roll(uint256 newHeight) external;
    function chainId(uint256 newChainId) external;
    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function toString(address value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
    function toString(bytes calldata value) external pure returns (string memory);
    function toString(bool value) external pure returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function toString(int256 value) external pure returns (string memory);
}

/// @notice Minimal test base (deliberately not the npm `forge-std` package):
/// the cheatcode handle plus assertion helpers that revert with a message.
abstract contract ReplexTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// secp256k1 group order
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    function fail(string memory message) internal pure {
        revert(string.concat("assertion failed: ", message));
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(message);
    }

    function assertEq(uint256 got, uint256 want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
    }

    function assertEq(int256 got, int256 want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
    }

    function assertEq(address got, address want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
    }

    function assertEq(bytes32 got, bytes32 want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
    }

    function assertEq(bool got, bool want, string memory message) internal pure {
        if (got != want) fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
    }

    function assertEq(bytes memory got, bytes memory want, string memory message) internal pure {
        if (keccak256(got) != keccak256(want)) {
            fail(string.concat(message, ": got ", vm.toString(got), ", want ", vm.toString(want)));
        }
    }

    function assertEq(address[] memory got, address[] memory want, string memory message) internal pure {
        assertEq(got.length, want.length, string.concat(message, " (length)"));
        for (uint256 i = 0; i < got.length; ++i) {
            assertEq(got[i], want[i], string.concat(message, " [", vm.toString(i), "]"));
        }
    }

    function assertNotEq(bytes32 got, bytes32 notWant, string memory message) internal pure {
        if (got == notWant) fail(string.concat(message, ": both ", vm.toString(got)));
    }
}
