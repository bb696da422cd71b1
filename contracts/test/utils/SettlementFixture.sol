// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReplexTest} from "./ReplexTest.sol";
import {Settlement} from "../../src/Settlement.sol";
import {TestToken} from "../../src/test/TestToken.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @notice Common setup: a Settlement with 4 validators (threshold 3) whose
/// private keys are known, plus helpers to sign batches and build
/// withdrawal Merkle trees the way OpenZeppelin's StandardMerkleTree does.
abstract contract SettlementFixture is ReplexTest {
    Settlement internal settlement;
    TestToken internal token;

    /// validator keys/addresses, sorted ascending by address
    uint256[] internal keys;
    address[] internal vals;

    uint256 internal constant OUTSIDER_KEY = 0xBADBAD;

    function setUp() public virtual {
        uint256[4] memory raw = [uint256(0xA11CE), 0xB0B, 0xCA401, 0xD0D0];
        (keys, vals) = sortedValidators(raw);
        settlement = new Settlement(vals, 3);
        token = new TestToken("Test USD", "TUSD", 6);
        vm.label(address(settlement), "Settlement");
        vm.label(address(token), "TestToken");
    }

    // ---------------------------------------------------------------- keys

    function sortedValidators(uint256[4] memory raw)
        internal
        pure
        returns (uint256[] memory ks, address[] memory as_)
    {
        ks = new uint256[](raw.length);
        as_ = new address[](raw.length);
        for (uint256 i = 0; i < raw.length; ++i) {
            ks[i] = raw[i];
            as_[i] = vm.addr(raw[i]);
        }
        for (uint256 i = 1; i < ks.length; ++i) {
            for (uint256 j = i; j > 0 && as_[j - 1] > as_[j]; --j) {
                (as_[j - 1], as_[j]) = (as_[j], as_[j - 1]);
                (ks[j - 1], ks[j]) = (ks[j], ks[j - 1]);
            }
        }
    }

    function sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function splitSig(bytes memory s) internal pure returns (uint8 v, bytes32 r, bytes32 ss) {
        assembly {
            r := mload(add(s, 0x20))
            ss := mload(add(s, 0x40))
            v := byte(0, mload(add(s, 0x60)))
        }
    }

    /// Signatures by `keys[idx[i]]`, in the order given.
    function sigsBy(uint256[] memory ks, uint256[] memory idx, bytes32 digest)
        internal
        pure
        returns (bytes[] memory out)
    {
        out = new bytes[](idx.length);
        for (uint256 i = 0; i < idx.length; ++i) {
            out[i] = sig(ks[idx[i]], digest);
        }
    }

    function idx3(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory r) {
        r = new uint256[](3);
        (r[0], r[1], r[2]) = (a, b, c);
    }

    function idx2(uint256 a, uint256 b) internal pure returns (uint256[] memory r) {
        r = new uint256[](2);
        (r[0], r[1]) = (a, b);
    }

    /// Signatures of validators 0, 1 and 2 (ascending) over `digest`.
    function sigs3(bytes32 digest) internal view returns (bytes[] memory) {
        return sigsBy(keys, idx3(0, 1, 2), digest);
    }

    // ------------------------------------------------------------- batches

    function deltasSample() internal view returns (Settlement.Delta[] memory d) {
        d = new Settlement.Delta[](3);
        d[0] = Settlement.Delta({account: bytes32(uint256(0xA)), token: address(0), amount: -5 ether});
        d[1] = Settlement.Delta({account: bytes32(uint256(0xB)), token: address(0), amount: 5 ether});
        d[2] = Settlement.Delta({account: bytes32(uint256(0xA)), token: address(token), amount: 1234e6});
    }

    function noDeltas() internal pure returns (Settlement.Delta[] memory d) {
        d = new Settlement.Delta[](0);
    }

    /// The batch that follows the contract's current head.
    function nextBatch(uint64 blocks, Settlement.Delta[] memory d, bytes32 withdrawalsRoot)
        internal
        view
        returns (Settlement.Batch memory b)
    {
        uint64 from = settlement.lastToHeight() + 1;
        b = Settlement.Batch({
            number: settlement.lastBatchNumber() + 1,
            fromHeight: from,
            toHeight: from + blocks - 1,
            prevRoot: settlement.lastBatchRoot(),
            tradesRoot: keccak256(abi.encode("trades", from)),
            deltasHash: keccak256(abi.encode(d)),
            withdrawalsRoot: withdrawalsRoot
        });
    }

    /// Independent EIP-712 computation (not using the contract's helpers).
    function expectedBatchRoot(Settlement.Batch memory b) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "Batch(uint64 number,uint64 fromHeight,uint64 toHeight,bytes32 prevRoot,bytes32 tradesRoot,bytes32 deltasHash,bytes32 withdrawalsRoot)"
                ),
                b.number,
                b.fromHeight,
                b.toHeight,
                b.prevRoot,
                b.tradesRoot,
                b.deltasHash,
                b.withdrawalsRoot
            )
        );
    }

    function expectedDomainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("ReplexSettlement"),
                keccak256("1"),
                block.chainid,
                address(settlement)
            )
        );
    }

    function typedDigest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", expectedDomainSeparator(), structHash));
    }

    function batchDigest(Settlement.Batch memory b) internal view returns (bytes32) {
        return typedDigest(expectedBatchRoot(b));
    }

    function setUpdateDigest(uint64 newSetId, address[] memory vs, uint256 t) internal view returns (bytes32) {
        bytes memory packed;
        for (uint256 i = 0; i < vs.length; ++i) {
            packed = bytes.concat(packed, bytes32(uint256(uint160(vs[i]))));
        }
        return typedDigest(
            keccak256(
                abi.encode(
                    keccak256("ValidatorSetUpdate(uint64 setId,address[] validators,uint256 threshold)"),
                    newSetId,
                    keccak256(packed),
                    t
                )
            )
        );
    }

    /// Submit the next batch signed by validators 0,1,2; returns it.
    function settleNext(uint64 blocks, Settlement.Delta[] memory d, bytes32 withdrawalsRoot)
        internal
        returns (Settlement.Batch memory b)
    {
        b = nextBatch(blocks, d, withdrawalsRoot);
        settlement.submitBatch(b, d, sigs3(batchDigest(b)));
    }

    // ---------------------------------------------------------- withdrawals

    function leafOf(Settlement.Withdrawal memory w) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(w.id, w.recipient, w.token, w.amount))));
    }

    /// OpenZeppelin StandardMerkleTree layout: leaves sorted ascending, stored
    /// in reverse at the end of a complete binary tree array; node i =
    /// commutativeKeccak256(tree[2i+1], tree[2i+2]).
    function buildTree(bytes32[] memory leaves) internal pure returns (bytes32[] memory tree) {
        uint256 n = leaves.length;
        require(n > 0, "empty tree");
        bytes32[] memory sorted = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            sorted[i] = leaves[i];
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
            }
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) {
            tree[tree.length - 1 - i] = sorted[i];
        }
        for (uint256 i = tree.length - n; i > 0; --i) {
            tree[i - 1] = Hashes.commutativeKeccak256(tree[2 * i - 1], tree[2 * i]);
        }
    }

    function proofFor(bytes32[] memory tree, bytes32 leaf) internal pure returns (bytes32[] memory proof) {
        uint256 at = type(uint256).max;
        for (uint256 i = 0; i < tree.length; ++i) {
            if (tree[i] == leaf && 2 * i + 1 >= tree.length) {
                at = i;
                break;
            }
        }
        require(at != type(uint256).max, "leaf not in tree");
        uint256 depth = 0;
        for (uint256 i = at; i > 0; i = (i - 1) / 2) {
            ++depth;
        }
        proof = new bytes32[](depth);
        uint256 k = 0;
        for (uint256 i = at; i > 0; i = (i - 1) / 2) {
            proof[k++] = tree[i % 2 == 1 ? i + 1 : i - 1];
        }
    }
}
