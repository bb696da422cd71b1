// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {Settlement} from "../src/Settlement.sol";

contract BatchesTest is SettlementFixture {
    // ------------------------------------------------------------ hashing

    function test_DomainAndDigestsMatchIndependentEip712() public view {
        assertEq(settlement.domainSeparator(), expectedDomainSeparator(), "domain separator");
        Settlement.Batch memory b = nextBatch(10, deltasSample(), bytes32(uint256(7)));
        assertEq(settlement.batchRoot(b), expectedBatchRoot(b), "batch root");
        assertEq(settlement.batchDigest(b), batchDigest(b), "batch digest");
        assertEq(
            settlement.validatorSetDigest(1, vals, 3), setUpdateDigest(1, vals, 3), "validator set digest"
        );
        assertEq(
            settlement.BATCH_TYPEHASH(),
            keccak256(
                "Batch(uint64 number,uint64 fromHeight,uint64 toHeight,bytes32 prevRoot,bytes32 tradesRoot,bytes32 deltasHash,bytes32 withdrawalsRoot)"
            ),
            "batch typehash"
        );
    }

    /// deltasHash = keccak256(abi.encode(Delta[])): a 0x20 offset word, the
    /// length, then (account, token left-padded, amount two's complement) per delta.
    function test_DeltasHashLayout() public view {
        Settlement.Delta[] memory d = deltasSample();
        bytes memory manual = bytes.concat(bytes32(uint256(0x20)), bytes32(d.length));
        for (uint256 i = 0; i < d.length; ++i) {
            manual = bytes.concat(
                manual, d[i].account, bytes32(uint256(uint160(d[i].token))), bytes32(uint256(d[i].amount))
            );
        }
        assertEq(manual.length, 64 + 96 * d.length, "encoded length");
        assertEq(keccak256(manual), keccak256(abi.encode(d)), "deltas hash layout");
        // the empty list: 0x20 ‖ 0
        assertEq(
            keccak256(abi.encode(noDeltas())),
            keccak256(bytes.concat(bytes32(uint256(0x20)), bytes32(0))),
            "empty deltas hash"
        );
    }

    // ------------------------------------------------------------ happy paths

    function test_InitialState() public view {
        assertEq(settlement.validators(), vals, "validators");
        assertEq(settlement.threshold(), 3, "threshold");
        assertEq(uint256(settlement.setId()), 0, "setId");
        assertEq(uint256(settlement.lastBatchNumber()), 0, "lastBatchNumber");
        assertEq(settlement.lastBatchRoot(), bytes32(0), "lastBatchRoot");
        assertEq(uint256(settlement.lastToHeight()), 0, "lastToHeight");
        assertEq(uint256(settlement.nextDepositId()), 1, "nextDepositId");
        for (uint256 i = 0; i < vals.length; ++i) {
            assertTrue(settlement.isValidator(vals[i]), "isValidator");
        }
    }

    function test_SubmitBatchThreeOfFour() public {
        Settlement.Delta[] memory d = deltasSample();
        Settlement.Batch memory b = nextBatch(10, d, bytes32(uint256(0xBEEF)));
        bytes32 root = expectedBatchRoot(b);
        // validators 1, 2, 3 (not 0): any 3 of 4 will do
        bytes[] memory s = sigsBy(keys, idx3(1, 2, 3), batchDigest(b));

        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.BatchSettled(1, root, 1, 10, b.tradesRoot, b.withdrawalsRoot);
        for (uint256 i = 0; i < d.length; ++i) {
            vm.expectEmit(true, true, true, true, address(settlement));
            emit Settlement.BalanceDelta(1, d[i].account, d[i].token, d[i].amount);
        }
        settlement.submitBatch(b, d, s);

        assertEq(uint256(settlement.lastBatchNumber()), 1, "lastBatchNumber");
        assertEq(settlement.lastBatchRoot(), root, "lastBatchRoot");
        assertEq(uint256(settlement.lastToHeight()), 10, "lastToHeight");
        (bytes32 r, uint64 from, uint64 to, bytes32 wr) = settlement.batches(1);
        assertEq(r, root, "stored root");
        assertEq(uint256(from), 1, "stored from");
        assertEq(uint256(to), 10, "stored to");
        assertEq(wr, bytes32(uint256(0xBEEF)), "stored withdrawals root");
    }

    function test_SubmitBatchAllFourAndAnyoneMaySubmit() public {
        Settlement.Batch memory b = nextBatch(1, noDeltas(), bytes32(0));
        uint256[] memory all = new uint256[](4);
        (all[0], all[1], all[2], all[3]) = (0, 1, 2, 3);
        vm.prank(address(0xC0FFEE));
        settlement.submitBatch(b, noDeltas(), sigsBy(keys, all, batchDigest(b)));
        assertEq(uint256(settlement.lastBatchNumber()), 1, "lastBatchNumber");
        assertEq(uint256(settlement.lastToHeight()), 1, "single-block batch");
    }

    function test_ChainedBatches() public {
        Settlement.Batch memory b1 = settleNext(100, deltasSample(), bytes32(0));
        Settlement.Batch memory b2 = settleNext(50, noDeltas(), bytes32(uint256(1)));
        Settlement.Batch memory b3 = settleNext(1, deltasSample(), bytes32(uint256(2)));

        assertEq(b2.prevRoot, expectedBatchRoot(b1), "b2 links to b1");
        assertEq(b3.prevRoot, expectedBatchRoot(b2), "b3 links to b2");
        assertEq(uint256(b2.fromHeight), 101, "b2 from");
        assertEq(uint256(b3.fromHeight), 151, "b3 from");
        assertEq(uint256(settlement.lastBatchNumber()), 3, "lastBatchNumber");
        assertEq(settlement.lastBatchRoot(), expectedBatchRoot(b3), "lastBatchRoot");
        assertEq(uint256(settlement.lastToHeight()), 151, "lastToHeight");
        (bytes32 r2,,,) = settlement.batches(2);
        assertEq(r2, expectedBatchRoot(b2), "batch 2 root kept");
    }

    // ------------------------------------------------------------ batch fields

    function test_RevertWhen_WrongBatchNumber() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.number = 2;
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(abi.encodeWithSelector(Settlement.WrongBatchNumber.selector, uint64(1), uint64(2)));
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_BatchZero() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.number = 0;
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(abi.encodeWithSelector(Settlement.WrongBatchNumber.selector, uint64(1), uint64(0)));
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_WrongPrevRoot() public {
        settleNext(10, noDeltas(), bytes32(0));
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.prevRoot = keccak256("not the previous root");
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(Settlement.WrongPrevRoot.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_WrongPrevRootOnFirstBatch() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.prevRoot = bytes32(uint256(1));
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(Settlement.WrongPrevRoot.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_HeightGap() public {
        settleNext(10, noDeltas(), bytes32(0));
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.fromHeight = 12; // expected 11
        b.toHeight = 20;
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(Settlement.WrongHeightRange.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_HeightOverlap() public {
        settleNext(10, noDeltas(), bytes32(0));
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.fromHeight = 10; // expected 11
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(Settlement.WrongHeightRange.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_HeightRangeInverted() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        b.fromHeight = 1;
        b.toHeight = 0;
        bytes[] memory s = sigs3(batchDigest(b));
        vm.expectRevert(Settlement.WrongHeightRange.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_WrongDeltasHash() public {
        Settlement.Delta[] memory d = deltasSample();
        Settlement.Batch memory b = nextBatch(10, d, bytes32(0));
        bytes[] memory s = sigs3(batchDigest(b));
        d[1].amount = 6 ether; // tampered after signing
        vm.expectRevert(Settlement.WrongDeltasHash.selector);
        settlement.submitBatch(b, d, s);
    }

    function test_RevertWhen_ReplayedBatch() public {
        Settlement.Delta[] memory d = deltasSample();
        Settlement.Batch memory b = nextBatch(10, d, bytes32(0));
        bytes[] memory s = sigs3(batchDigest(b));
        settlement.submitBatch(b, d, s);
        vm.expectRevert(abi.encodeWithSelector(Settlement.WrongBatchNumber.selector, uint64(2), uint64(1)));
        settlement.submitBatch(b, d, s);
    }

    // ------------------------------------------------------------ signatures

    function test_RevertWhen_TooFewSignatures() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes[] memory s = sigsBy(keys, idx2(0, 1), batchDigest(b));
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotEnoughSignatures.selector, 2, 3));
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_NoSignatures() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotEnoughSignatures.selector, 0, 3));
        settlement.submitBatch(b, noDeltas(), new bytes[](0));
    }

    function test_RevertWhen_DuplicateSigner() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        // validator 1 twice: three signatures but only two distinct signers
        bytes[] memory s = sigsBy(keys, idx3(0, 1, 1), batchDigest(b));
        vm.expectRevert(Settlement.SignersNotAscending.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_SignersNotAscending() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes[] memory s = sigsBy(keys, idx3(0, 2, 1), batchDigest(b));
        vm.expectRevert(Settlement.SignersNotAscending.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_NonValidatorSigns() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes32 digest = batchDigest(b);
        bytes[] memory s = sigs3(digest);
        s[2] = sig(OUTSIDER_KEY, digest);
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, vm.addr(OUTSIDER_KEY)));
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_SignatureOverOtherBatch() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes[] memory s = sigs3(batchDigest(b));
        b.tradesRoot = keccak256("different trades"); // signatures no longer match
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(s[0]);
        address recovered = ecrecover(batchDigest(b), v, r, ss);
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, recovered));
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_HighS() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes32 digest = batchDigest(b);
        bytes[] memory s = sigs3(digest);
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(s[1]);
        // the malleated twin (n - s, flipped v) is a valid secp256k1 signature by the same key ...
        bytes32 highS = bytes32(SECP256K1_N - uint256(ss));
        uint8 flippedV = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, flippedV, r, highS), vals[1], "malleated signature recovers the signer");
        // ... but the contract only accepts the low-s form
        s[1] = abi.encodePacked(r, highS, flippedV);
        vm.expectRevert(Settlement.InvalidSignature.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_GarbageSignatureRecoversZero() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes32 digest = batchDigest(b);
        bytes[] memory s = sigs3(digest);
        bytes32 r = bytes32(0);
        bytes32 ss = bytes32(uint256(1));
        assertEq(ecrecover(digest, 27, r, ss), address(0), "garbage recovers the zero address");
        s[0] = abi.encodePacked(r, ss, uint8(27));
        vm.expectRevert(Settlement.InvalidSignature.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_SignatureWrongLength() public {
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes[] memory s = sigs3(batchDigest(b));
        (, bytes32 r, bytes32 ss) = splitSig(s[0]);
        s[0] = abi.encodePacked(r, ss); // 64 bytes (ERC-2098 compact form is not accepted)
        vm.expectRevert(Settlement.InvalidSignature.selector);
        settlement.submitBatch(b, noDeltas(), s);
    }

    function test_RevertWhen_SignedForOtherContract() public {
        Settlement other = new Settlement(vals, 3);
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes32 digest = other.batchDigest(b); // other verifyingContract
        bytes[] memory s = sigs3(digest);
        other.submitBatch(b, noDeltas(), s); // fine there
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(s[0]);
        address recovered = ecrecover(batchDigest(b), v, r, ss);
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, recovered));
        settlement.submitBatch(b, noDeltas(), s);
    }
}
