// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {ReentrantRecipient} from "./ReentrantRecipient.sol";
import {Settlement} from "../src/Settlement.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

contract ClaimsTest is SettlementFixture {
    address internal carol = address(0xCA201);
    address internal dave = address(0xDA7E);
    ReentrantRecipient internal attacker;

    Settlement.Withdrawal[] internal ws;
    bytes32[] internal tree;
    uint64 internal batchNo;

    function setUp() public override {
        super.setUp();
        attacker = new ReentrantRecipient(settlement);
        // fund the contract through real deposits
        vm.deal(address(this), 100 ether);
        settlement.depositEth{value: 20 ether}(keccak256("lp"));
        token.mint(address(this), 1_000_000e6);
        token.approve(address(settlement), 500_000e6);
        settlement.depositToken(address(token), 500_000e6, keccak256("lp"));

        ws.push(Settlement.Withdrawal({id: 1, recipient: carol, token: address(0), amount: 1.5 ether}));
        ws.push(Settlement.Withdrawal({id: 2, recipient: dave, token: address(token), amount: 12_345e6}));
        ws.push(Settlement.Withdrawal({id: 3, recipient: carol, token: address(token), amount: 7e6}));
        ws.push(Settlement.Withdrawal({id: 4, recipient: address(attacker), token: address(0), amount: 2 ether}));
        ws.push(Settlement.Withdrawal({id: 5, recipient: address(attacker), token: address(0), amount: 3 ether}));
        ws.push(Settlement.Withdrawal({id: 6, recipient: dave, token: address(0), amount: 1 wei}));
        bytes32[] memory leaves = new bytes32[](ws.length);
        for (uint256 i = 0; i < ws.length; ++i) {
            leaves[i] = leafOf(ws[i]);
        }
        tree = buildTree(leaves);
        settleNext(10, deltasSample(), tree[0]);
        batchNo = settlement.lastBatchNumber();
    }

    function proofOf(uint256 i) internal view returns (bytes32[] memory) {
        return proofFor(tree, leafOf(ws[i]));
    }

    function test_TreeMatchesOpenZeppelinVerification() public view {
        for (uint256 i = 0; i < ws.length; ++i) {
            bytes32[] memory p = proofOf(i);
            assertTrue(p.length >= 2, "proof depth");
            assertTrue(MerkleProof.verify(p, tree[0], leafOf(ws[i])), "proof verifies");
        }
    }

    /// Leaf = keccak256(bytes.concat(keccak256(abi.encode(id, recipient, token, amount)))).
    function test_LeafLayout() public view {
        Settlement.Withdrawal memory w = ws[1];
        bytes memory enc = bytes.concat(
            bytes32(uint256(w.id)),
            bytes32(uint256(uint160(w.recipient))),
            bytes32(uint256(uint160(w.token))),
            bytes32(w.amount)
        );
        assertEq(leafOf(w), keccak256(abi.encodePacked(keccak256(enc))), "leaf layout");
    }

    function test_ClaimEth() public {
        uint256 before = carol.balance;
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Claimed(1, batchNo, carol, address(0), 1.5 ether);
        vm.prank(address(0x5EED)); // anyone may call; funds go to the recipient
        settlement.claim(batchNo, ws[0], proofOf(0));
        assertEq(carol.balance - before, 1.5 ether, "carol paid");
        assertEq(address(0x5EED).balance, 0, "caller not paid");
        assertTrue(settlement.claimed(1), "claimed flag");
        assertEq(address(settlement).balance, 18.5 ether, "contract balance");
    }

    function test_ClaimTokens() public {
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Claimed(2, batchNo, dave, address(token), 12_345e6);
        settlement.claim(batchNo, ws[1], proofOf(1));
        vm.prank(carol);
        settlement.claim(batchNo, ws[2], proofOf(2));
        assertEq(token.balanceOf(dave), 12_345e6, "dave paid");
        assertEq(token.balanceOf(carol), 7e6, "carol paid");
        assertEq(token.balanceOf(address(settlement)), 500_000e6 - 12_345e6 - 7e6, "contract balance");
        assertTrue(settlement.claimed(2) && settlement.claimed(3), "claimed flags");
        assertFalse(settlement.claimed(1), "others untouched");
    }

    function test_ClaimFromEarlierBatchAfterLaterOnes() public {
        settleNext(5, noDeltas(), bytes32(0));
        settleNext(5, noDeltas(), bytes32(0));
        settlement.claim(batchNo, ws[5], proofOf(5));
        assertEq(dave.balance, 1, "dave paid");
    }

    function test_RevertWhen_ClaimTwice() public {
        settlement.claim(batchNo, ws[0], proofOf(0));
        bytes32[] memory p = proofOf(0);
        vm.expectRevert(abi.encodeWithSelector(Settlement.AlreadyClaimed.selector, uint64(1)));
        settlement.claim(batchNo, ws[0], p);
        assertEq(carol.balance, 1.5 ether, "paid once");
    }

    function test_RevertWhen_SameIdInLaterBatch() public {
        settlement.claim(batchNo, ws[0], proofOf(0));
        // a (faulty) later batch listing withdrawal id 1 again cannot pay it twice
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = leafOf(ws[0]);
        leaves[1] = leafOf(ws[5]);
        bytes32[] memory t2 = buildTree(leaves);
        settleNext(5, noDeltas(), t2[0]);
        bytes32[] memory p = proofFor(t2, leafOf(ws[0]));
        uint64 later = settlement.lastBatchNumber();
        vm.expectRevert(abi.encodeWithSelector(Settlement.AlreadyClaimed.selector, uint64(1)));
        settlement.claim(later, ws[0], p);
    }

    function test_RevertWhen_BadProof() public {
        bytes32[] memory p = proofOf(1);
        p[0] = keccak256("wrong sibling");
        vm.expectRevert(Settlement.InvalidProof.selector);
        settlement.claim(batchNo, ws[1], p);
    }

    function test_RevertWhen_TamperedWithdrawal() public {
        Settlement.Withdrawal memory w = ws[1];
        w.amount += 1;
        bytes32[] memory p = proofOf(1);
        vm.expectRevert(Settlement.InvalidProof.selector);
        settlement.claim(batchNo, w, p);
        w = ws[1];
        w.recipient = address(0xEE1);
        vm.expectRevert(Settlement.InvalidProof.selector);
        settlement.claim(batchNo, w, p);
    }

    function test_RevertWhen_ProofOfOtherWithdrawal() public {
        bytes32[] memory p = proofOf(2);
        vm.expectRevert(Settlement.InvalidProof.selector);
        settlement.claim(batchNo, ws[1], p);
    }

    function test_RevertWhen_UnknownBatch() public {
        bytes32[] memory p = proofOf(0);
        vm.expectRevert(abi.encodeWithSelector(Settlement.UnknownBatch.selector, uint64(2)));
        settlement.claim(2, ws[0], p);
        vm.expectRevert(abi.encodeWithSelector(Settlement.UnknownBatch.selector, uint64(0)));
        settlement.claim(0, ws[0], p);
    }

    // ------------------------------------------------------------ reentrancy

    function test_ReentrantClaimOfSameWithdrawalFails() public {
        bytes32[] memory p = proofOf(3);
        attacker.arm(batchNo, ws[3], p, false);
        uint256 held = address(settlement).balance;

        settlement.claim(batchNo, ws[3], p);

        assertEq(attacker.reentryAttempts(), 1, "attacker re-entered");
        assertFalse(attacker.reentrySucceeded(), "re-entry failed");
        assertEq(
            attacker.reentryError(),
            abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector),
            "blocked by the guard"
        );
        assertEq(attacker.receiveCount(), 1, "received once");
        assertEq(address(attacker).balance, 2 ether, "paid exactly once");
        assertEq(address(settlement).balance, held - 2 ether, "contract paid once");
        assertTrue(settlement.claimed(4), "claimed");

        // and a later direct retry is refused too
        vm.expectRevert(abi.encodeWithSelector(Settlement.AlreadyClaimed.selector, uint64(4)));
        settlement.claim(batchNo, ws[3], p);
    }

    function test_ReentrantClaimOfOtherWithdrawalFails() public {
        attacker.arm(batchNo, ws[4], proofOf(4), false);
        settlement.claim(batchNo, ws[3], proofOf(3));
        assertFalse(attacker.reentrySucceeded(), "nested claim failed");
        assertEq(address(attacker).balance, 2 ether, "only the outer withdrawal paid");
        assertFalse(settlement.claimed(5), "nested withdrawal still open");
        // it stays claimable normally
        settlement.claim(batchNo, ws[4], proofOf(4));
        assertEq(address(attacker).balance, 5 ether, "second withdrawal paid on its own");
    }

    function test_ReentrantRecipientThatRevertsGetsNothing() public {
        bytes32[] memory p = proofOf(3);
        attacker.arm(batchNo, ws[3], p, true);
        uint256 held = address(settlement).balance;
        vm.expectRevert(Settlement.EthTransferFailed.selector);
        settlement.claim(batchNo, ws[3], p);
        assertEq(address(attacker).balance, 0, "nothing paid");
        assertEq(address(settlement).balance, held, "nothing left the contract");
        assertFalse(settlement.claimed(4), "still claimable");
    }
}
