// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SettlementFixture} from "./utils/SettlementFixture.sol";
import {FeeToken} from "./utils/FeeToken.sol";
import {Settlement} from "../src/Settlement.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

contract DepositsTest is SettlementFixture {
    address internal alice = address(0xA11CE0);
    address internal bob = address(0xB0B0);
    bytes32 internal constant ACC_A = keccak256("replex account A");
    bytes32 internal constant ACC_B = keccak256("replex account B");

    function setUp() public override {
        super.setUp();
        vm.deal(alice, 10 ether);
        vm.deal(bob, 10 ether);
        token.mint(alice, 1_000e6);
        token.mint(bob, 1_000e6);
    }

    function test_DepositsHaveSequentialIdsAcrossAssets() public {
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Deposit(address(0), 1 ether, ACC_A, 1);
        vm.prank(alice);
        settlement.depositEth{value: 1 ether}(ACC_A);

        vm.startPrank(bob);
        token.approve(address(settlement), 250e6);
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Deposit(address(token), 250e6, ACC_B, 2);
        settlement.depositToken(address(token), 250e6, ACC_B);
        vm.stopPrank();

        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Deposit(address(0), 3 wei, ACC_B, 3);
        vm.prank(alice);
        settlement.depositEth{value: 3 wei}(ACC_B);

        assertEq(uint256(settlement.nextDepositId()), 4, "nextDepositId");
        assertEq(address(settlement).balance, 1 ether + 3, "eth held");
        assertEq(token.balanceOf(address(settlement)), 250e6, "tokens held");
        assertEq(token.balanceOf(bob), 750e6, "bob paid");
        assertEq(alice.balance, 9 ether - 3, "alice paid");
    }

    function test_DepositTokenCreditsAmountReceived() public {
        FeeToken fee = new FeeToken();
        fee.mint(alice, 1000);
        vm.startPrank(alice);
        fee.approve(address(settlement), 1000);
        vm.expectEmit(true, true, true, true, address(settlement));
        emit Settlement.Deposit(address(fee), 990, ACC_A, 1);
        settlement.depositToken(address(fee), 1000, ACC_A);
        vm.stopPrank();
        assertEq(fee.balanceOf(address(settlement)), 990, "received");
    }

    function test_RevertWhen_DepositEthZero() public {
        vm.prank(alice);
        vm.expectRevert(Settlement.ZeroAmount.selector);
        settlement.depositEth{value: 0}(ACC_A);
    }

    function test_RevertWhen_DepositZeroAccount() public {
        vm.prank(alice);
        vm.expectRevert(Settlement.ZeroReplexAccount.selector);
        settlement.depositEth{value: 1}(bytes32(0));

        vm.startPrank(alice);
        token.approve(address(settlement), 1);
        vm.expectRevert(Settlement.ZeroReplexAccount.selector);
        settlement.depositToken(address(token), 1, bytes32(0));
        vm.stopPrank();
    }

    function test_RevertWhen_DepositTokenZeroAmountOrToken() public {
        vm.startPrank(alice);
        vm.expectRevert(Settlement.ZeroAmount.selector);
        settlement.depositToken(address(token), 0, ACC_A);
        vm.expectRevert(Settlement.ZeroToken.selector);
        settlement.depositToken(address(0), 1, ACC_A);
        vm.stopPrank();
    }

    function test_RevertWhen_DepositTokenNotApproved() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(settlement), 0, 5)
        );
        settlement.depositToken(address(token), 5, ACC_A);
        assertEq(uint256(settlement.nextDepositId()), 1, "no id consumed");
    }

    function test_RevertWhen_PlainEthTransfer() public {
        // no receive/fallback: ETH only enters through depositEth
        vm.prank(alice);
        (bool ok,) = address(settlement).call{value: 1 ether}("");
        assertFalse(ok, "plain transfer must fail");
    }
}
