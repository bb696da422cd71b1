// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {Settlement} from "../src/Settlement.sol";

contract ValidatorSetTest is SettlementFixture {
    uint256[] internal newKeys;
    address[] internal newVals;

    function setUp() public override {
        super.setUp();
        uint256[4] memory raw = [uint256(0x1111), 0x2222, 0x3333, 0x4444];
        (newKeys, newVals) = sortedValidators(raw);
    }

    // ------------------------------------------------------------ constructor

    function test_ConstructorEmitsSetZero() public {
        vm.expectEmit(true, true, true, true);
        emit Settlement.ValidatorSetUpdated(0, vals, 3);
        new Settlement(vals, 3);
    }

    function test_ConstructorSingleValidator() public {
        address[] memory one = new address[](1);
        one[0] = vals[0];
        Settlement s = new Settlement(one, 1);
        assertEq(s.threshold(), 1, "threshold");
    }

    function test_ConstructorThresholdBounds() public {
        // n = 4: 3 and 4 are valid, 2 is not (2*3 <= 8), 5 exceeds n
        new Settlement(vals, 4);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidThreshold.selector, 2, 4));
        new Settlement(vals, 2);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidThreshold.selector, 5, 4));
        new Settlement(vals, 5);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidThreshold.selector, 0, 4));
        new Settlement(vals, 0);
        // n = 3 needs all 3
        address[] memory three = new address[](3);
        (three[0], three[1], three[2]) = (vals[0], vals[1], vals[2]);
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidThreshold.selector, 2, 3));
        new Settlement(three, 2);
        new Settlement(three, 3);
    }

    function test_ConstructorRejectsEmptySet() public {
        vm.expectRevert(Settlement.EmptyValidatorSet.selector);
        new Settlement(new address[](0), 0);
    }

    function test_ConstructorRejectsZeroAddress() public {
        address[] memory vs = new address[](1);
        vm.expectRevert(Settlement.ZeroAddressValidator.selector);
        new Settlement(vs, 1);
    }

    function test_ConstructorRejectsUnsortedOrDuplicate() public {
        address[] memory vs = new address[](4);
        (vs[0], vs[1], vs[2], vs[3]) = (vals[1], vals[0], vals[2], vals[3]);
        vm.expectRevert(Settlement.ValidatorsNotAscending.selector);
        new Settlement(vs, 3);
        (vs[0], vs[1], vs[2], vs[3]) = (vals[0], vals[1], vals[1], vals[3]);
        vm.expectRevert(Settlement.ValidatorsNotAscending.selector);
        new Settlement(vs, 3);
    }

    // ------------------------------------------------------------ updates

    function update(address[] memory vs, uint256 t) internal {
        bytes32 d = setUpdateDigest(settlement.setId() + 1, vs, t);
        settlement.updateValidatorSet(vs, t, sigs3(d));
    }

    function test_UpdateThenBatchSignedByNewSet() public {
        settleNext(10, noDeltas(), bytes32(0));

        bytes32 d = setUpdateDigest(1, newVals, 3);
        assertEq(settlement.validatorSetDigest(1, newVals, 3), d, "digest");
        bytes[] memory s = sigsBy(keys, idx3(1, 2, 3), d);
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.ValidatorSetUpdated(1, newVals, 3);
        settlement.updateValidatorSet(newVals, 3, s);

        assertEq(uint256(settlement.setId()), 1, "setId");
        assertEq(settlement.validators(), newVals, "validators");
        for (uint256 i = 0; i < 4; ++i) {
            assertFalse(settlement.isValidator(vals[i]), "old validator removed");
            assertTrue(settlement.isValidator(newVals[i]), "new validator added");
        }

        // the old set can no longer settle ...
        Settlement.Batch memory b = nextBatch(10, noDeltas(), bytes32(0));
        bytes[] memory oldSigs = sigs3(batchDigest(b));
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, vals[0]));
        settlement.submitBatch(b, noDeltas(), oldSigs);

        // ... the new one can, continuing the same chain
        settlement.submitBatch(b, noDeltas(), sigsBy(newKeys, idx3(0, 2, 3), batchDigest(b)));
        assertEq(uint256(settlement.lastBatchNumber()), 2, "lastBatchNumber");
    }

    function test_UpdateToOverlappingSetAndSmallerSize() public {
        // keep validators 0 and 2 plus one new: n = 3, threshold 3
        address[] memory vs = new address[](3);
        vs[0] = vals[0];
        vs[1] = vals[2];
        vs[2] = newVals[3];
        sortInPlace(vs);
        update(vs, 3);
        assertTrue(settlement.isValidator(vals[0]), "kept 0");
        assertTrue(settlement.isValidator(vals[2]), "kept 2");
        assertFalse(settlement.isValidator(vals[1]), "dropped 1");
        assertFalse(settlement.isValidator(vals[3]), "dropped 3");
        assertEq(settlement.threshold(), 3, "threshold");
    }

    function test_RevertWhen_ReplayedSetUpdate() public {
        bytes32 d = setUpdateDigest(1, newVals, 3);
        bytes[] memory s = sigs3(d);
        settlement.updateValidatorSet(newVals, 3, s);

        // same call again: now it would have to be signed for setId 2 (by the new set)
        bytes32 d2 = setUpdateDigest(2, newVals, 3);
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(s[0]);
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, ecrecover(d2, v, r, ss)));
        settlement.updateValidatorSet(newVals, 3, s);
        assertEq(uint256(settlement.setId()), 1, "setId unchanged");
    }

    function test_RevertWhen_ReplayedSetUpdateAfterSwitchBack() public {
        // A -> B (setId 1), B -> A (setId 2); replaying A -> B must still fail
        bytes[] memory toB = sigs3(setUpdateDigest(1, newVals, 3));
        settlement.updateValidatorSet(newVals, 3, toB);
        settlement.updateValidatorSet(vals, 3, sigsBy(newKeys, idx3(0, 1, 2), setUpdateDigest(2, vals, 3)));
        assertEq(settlement.validators(), vals, "back to A");
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(toB[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                Settlement.NotValidator.selector, ecrecover(setUpdateDigest(3, newVals, 3), v, r, ss)
            )
        );
        settlement.updateValidatorSet(newVals, 3, toB);
    }

    function test_RevertWhen_SetUpdateSignedByTooFew() public {
        bytes[] memory s = sigsBy(keys, idx2(0, 3), setUpdateDigest(1, newVals, 3));
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotEnoughSignatures.selector, 2, 3));
        settlement.updateValidatorSet(newVals, 3, s);
    }

    function test_RevertWhen_SetUpdateSignedByNewSet() public {
        bytes[] memory s = sigsBy(newKeys, idx3(0, 1, 2), setUpdateDigest(1, newVals, 3));
        vm.expectRevert(abi.encodeWithSelector(Settlement.NotValidator.selector, newVals[0]));
        settlement.updateValidatorSet(newVals, 3, s);
    }

    function test_RevertWhen_SetUpdateThresholdMismatch() public {
        // signed for threshold 3, submitted with 4
        bytes[] memory s = sigs3(setUpdateDigest(1, newVals, 3));
        (uint8 v, bytes32 r, bytes32 ss) = splitSig(s[0]);
        vm.expectRevert(
            abi.encodeWithSelector(Settlement.NotValidator.selector, ecrecover(setUpdateDigest(1, newVals, 4), v, r, ss))
        );
        settlement.updateValidatorSet(newVals, 4, s);
        assertEq(uint256(settlement.setId()), 0, "setId unchanged");
    }

    function test_RevertWhen_SetUpdateInvalidNewSet() public {
        address[] memory vs = new address[](4);
        (vs[0], vs[1], vs[2], vs[3]) = (newVals[0], newVals[2], newVals[1], newVals[3]);
        bytes[] memory s = sigs3(setUpdateDigest(1, vs, 3));
        vm.expectRevert(Settlement.ValidatorsNotAscending.selector);
        settlement.updateValidatorSet(vs, 3, s);

        s = sigs3(setUpdateDigest(1, newVals, 2));
        vm.expectRevert(abi.encodeWithSelector(Settlement.InvalidThreshold.selector, 2, 4));
        settlement.updateValidatorSet(newVals, 2, s);

        s = sigs3(setUpdateDigest(1, new address[](0), 0));
        vm.expectRevert(Settlement.EmptyValidatorSet.selector);
        settlement.updateValidatorSet(new address[](0), 0, s);
    }

    function sortInPlace(address[] memory a) internal pure {
        for (uint256 i = 1; i < a.length; ++i) {
            for (uint256 j = i; j > 0 && a[j - 1] > a[j]; --j) {
                (a[j - 1], a[j]) = (a[j], a[j - 1]);
            }
        }
    }
}
