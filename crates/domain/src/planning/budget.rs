//! The outreach's money: the standing imprest (KSh 50,000 unless configured otherwise), what has
//! been spent from it by category, the balance, and a warning before an expense takes the balance
//! below zero or below a tenth of the imprest.
//!
//! Amounts are whole shillings (`u64`). Sums saturate rather than wrap, and a balance is computed
//! in 128 bits and clamped to `i64`, so no plan, however damaged, makes the arithmetic overflow.

use crate::lang::{Lang, Text};
use fieldkit_protocol::{Budget, Expense, ExpenseCategory};
use serde::Serialize;

/// A balance below this share of the imprest (per cent) is low.
pub const LOW_BALANCE_PERCENT: u64 = 10;

/// The expense categories, in the order summaries list them.
pub const CATEGORIES: [ExpenseCategory; 7] = [
    ExpenseCategory::Transport,
    ExpenseCategory::Fuel,
    ExpenseCategory::EquipmentHire,
    ExpenseCategory::Allowances,
    ExpenseCategory::Meals,
    ExpenseCategory::Communication,
    ExpenseCategory::Other,
];

/// A category's stable code, as on the wire.
pub fn category_code(category: ExpenseCategory) -> &'static str {
    match category {
        ExpenseCategory::Transport => "transport",
        ExpenseCategory::Fuel => "fuel",
        ExpenseCategory::EquipmentHire => "equipment_hire",
        ExpenseCategory::Allowances => "allowances",
        ExpenseCategory::Meals => "meals",
        ExpenseCategory::Communication => "communication",
        ExpenseCategory::Other => "other",
    }
}

/// A category's name in both languages (`planning.expense_<code>` in `messages.toml`).
pub fn category_name(category: ExpenseCategory) -> Text {
    super::message_text(&format!("planning.expense_{}", category_code(category)))
}

/// Where an outreach's money stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetSummary {
    /// The imprest, KSh.
    pub imprest: u64,
    /// Everything spent, KSh.
    pub spent: u64,
    /// Imprest less spent; negative when overspent.
    pub balance: i64,
    /// Spent per category, in [`CATEGORIES`] order, categories with no expense left out.
    pub by_category: Vec<(ExpenseCategory, u64)>,
    /// Expenses with no receipt number noted.
    pub expenses_without_receipt: usize,
}

impl BudgetSummary {
    /// The warning the balance deserves as it stands: below zero, or below a tenth of the imprest.
    pub fn warning(&self) -> Option<BudgetWarning> {
        warning_for(self.imprest, self.balance)
    }
}

/// Sums `budget` up.
pub fn summarise(budget: &Budget) -> BudgetSummary {
    let mut per_category = [0u64; CATEGORIES.len()];
    let mut spent = 0u64;
    let mut without_receipt = 0usize;
    for expense in &budget.expenses {
        spent = spent.saturating_add(expense.amount_ksh);
        let slot = CATEGORIES.iter().position(|c| *c == expense.category).unwrap_or(CATEGORIES.len() - 1);
        per_category[slot] = per_category[slot].saturating_add(expense.amount_ksh);
        if expense.receipt.as_deref().is_none_or(|r| r.trim().is_empty()) {
            without_receipt += 1;
        }
    }
    let by_category = CATEGORIES
        .iter()
        .zip(per_category)
        .filter(|(_, amount)| *amount > 0)
        .map(|(category, amount)| (*category, amount))
        .collect();
    BudgetSummary {
        imprest: budget.imprest_ksh,
        spent,
        balance: balance(budget.imprest_ksh, spent),
        by_category,
        expenses_without_receipt: without_receipt,
    }
}

/// What to tell the centre manager about the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "warning", rename_all = "snake_case")]
pub enum BudgetWarning {
    /// The balance would be (or is) below zero by `short_by` shillings.
    WouldGoNegative { short_by: u64 },
    /// The balance would be (or is) `balance_after`, at or above zero but below a tenth of the
    /// imprest.
    Low { balance_after: i64 },
}

impl BudgetWarning {
    /// The warning as the centre manager reads it in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let (key, amount) = match self {
            BudgetWarning::WouldGoNegative { short_by } => ("planning.budget_would_go_negative", *short_by),
            BudgetWarning::Low { balance_after } => ("planning.budget_low", u64::try_from(*balance_after).unwrap_or(0)),
        };
        let amount = crate::format::group_thousands(amount);
        let values = [("amount", amount), ("percent", LOW_BALANCE_PERCENT.to_string())].into_iter().collect();
        crate::messages::fill(&crate::messages::template(key, lang), &values)
    }
}

/// What recording one more expense would do to the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpenseCheck {
    pub balance_after: i64,
    pub warning: Option<BudgetWarning>,
}

/// The balance after `expense` would be added to `budget`, and the warning due before it is: it
/// would go below zero, or below [`LOW_BALANCE_PERCENT`] % of the imprest.
pub fn check_expense(budget: &Budget, expense: &Expense) -> ExpenseCheck {
    let spent = budget.expenses.iter().fold(0u64, |sum, e| sum.saturating_add(e.amount_ksh));
    let balance_after = balance(budget.imprest_ksh, spent.saturating_add(expense.amount_ksh));
    ExpenseCheck { balance_after, warning: warning_for(budget.imprest_ksh, balance_after) }
}

fn balance(imprest: u64, spent: u64) -> i64 {
    let exact = i128::from(imprest) - i128::from(spent);
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

fn warning_for(imprest: u64, balance: i64) -> Option<BudgetWarning> {
    if balance < 0 {
        return Some(BudgetWarning::WouldGoNegative { short_by: balance.unsigned_abs() });
    }
    // balance < imprest × 10 %, exactly, in integers: balance × 100 < imprest × 10.
    let low = i128::from(balance) * 100 < i128::from(imprest) * i128::from(LOW_BALANCE_PERCENT);
    low.then_some(BudgetWarning::Low { balance_after: balance })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expense(category: ExpenseCategory, amount_ksh: u64, receipt: Option<&str>) -> Expense {
        Expense {
            category,
            amount_ksh,
            description: "test".into(),
            spent_on: "2026-11-21".into(),
            receipt: receipt.map(String::from),
        }
    }

    fn budget(imprest_ksh: u64, expenses: Vec<Expense>) -> Budget {
        Budget { imprest_ksh, expenses }
    }

    #[test]
    fn a_summary_adds_up_by_category_in_a_fixed_order() {
        use ExpenseCategory::*;
        let b = budget(
            50_000,
            vec![
                expense(Meals, 3_500, Some("R-881")),
                expense(Transport, 12_000, Some("R-101")),
                expense(EquipmentHire, 8_000, None),
                expense(Transport, 4_500, Some("  ")),
                expense(Fuel, 6_250, Some("R-102")),
            ],
        );
        let s = summarise(&b);
        assert_eq!(s.imprest, 50_000);
        assert_eq!(s.spent, 34_250);
        assert_eq!(s.balance, 15_750);
        assert_eq!(s.by_category, vec![(Transport, 16_500), (Fuel, 6_250), (EquipmentHire, 8_000), (Meals, 3_500)]);
        assert_eq!(s.expenses_without_receipt, 2, "none, and a blank receipt number");
        assert_eq!(s.warning(), None);
    }

    #[test]
    fn an_empty_budget_is_all_balance() {
        let s = summarise(&budget(50_000, Vec::new()));
        assert_eq!((s.spent, s.balance, s.by_category.len(), s.expenses_without_receipt), (0, 50_000, 0, 0));
    }

    #[test]
    fn an_overspent_budget_has_a_negative_balance() {
        let s = summarise(&budget(10_000, vec![expense(ExpenseCategory::Other, 12_345, Some("R1"))]));
        assert_eq!(s.balance, -2_345);
        assert_eq!(s.warning(), Some(BudgetWarning::WouldGoNegative { short_by: 2_345 }));
    }

    /// (imprest, spent so far, new expense, balance after, warning)
    #[test]
    fn warnings_come_before_the_balance_goes_low_or_negative() {
        use BudgetWarning::*;
        let cases: [(u64, u64, u64, i64, Option<BudgetWarning>); 9] = [
            (50_000, 10_000, 20_000, 20_000, None),
            (50_000, 40_000, 5_000, 5_000, None),
            (50_000, 40_000, 5_001, 4_999, Some(Low { balance_after: 4_999 })),
            (50_000, 45_000, 5_000, 0, Some(Low { balance_after: 0 })),
            (50_000, 45_000, 5_001, -1, Some(WouldGoNegative { short_by: 1 })),
            (50_000, 0, 62_500, -12_500, Some(WouldGoNegative { short_by: 12_500 })),
            (50_000, 52_000, 1_000, -3_000, Some(WouldGoNegative { short_by: 3_000 })),
            // 10 % of 12,345 is 1,234.5: 1,234 is below it, 1,235 is not.
            (12_345, 10_000, 1_111, 1_234, Some(Low { balance_after: 1_234 })),
            (12_345, 10_000, 1_110, 1_235, None),
        ];
        for (imprest, spent, amount, balance_after, warning) in cases {
            let so_far = if spent == 0 { Vec::new() } else { vec![expense(ExpenseCategory::Transport, spent, None)] };
            let check = check_expense(&budget(imprest, so_far), &expense(ExpenseCategory::Fuel, amount, None));
            assert_eq!(check, ExpenseCheck { balance_after, warning }, "{imprest} {spent} {amount}");
        }
    }

    #[test]
    fn huge_amounts_saturate_instead_of_wrapping() {
        let b = budget(u64::MAX, vec![expense(ExpenseCategory::Fuel, u64::MAX, None); 3]);
        let s = summarise(&b);
        assert_eq!(s.spent, u64::MAX);
        assert_eq!(s.by_category, vec![(ExpenseCategory::Fuel, u64::MAX)]);
        assert_eq!(s.balance, 0);
        let rich = summarise(&budget(u64::MAX, Vec::new()));
        assert_eq!(rich.balance, i64::MAX, "clamped");
        let broke = check_expense(&budget(0, Vec::new()), &expense(ExpenseCategory::Fuel, u64::MAX, None));
        assert_eq!(broke.balance_after, i64::MIN, "clamped");
        assert_eq!(broke.warning, Some(BudgetWarning::WouldGoNegative { short_by: 1 << 63 }));
    }

    #[test]
    fn warnings_read_in_both_languages() {
        let short = BudgetWarning::WouldGoNegative { short_by: 2_500 };
        let (en, sw) = (short.message(Lang::En), short.message(Lang::Sw));
        assert!(en.contains("2,500") && sw.contains("2,500") && en != sw, "{en} / {sw}");
        let low = BudgetWarning::Low { balance_after: 4_000 };
        assert!(low.message(Lang::En).contains("4,000") && low.message(Lang::Sw).contains("10"));
        for category in CATEGORIES {
            let name = category_name(category);
            assert!(!name.has_gap() && !name.en.starts_with("planning."), "{category:?}");
        }
        let json = serde_json::to_value(BudgetWarning::Low { balance_after: 3 }).expect("json");
        assert_eq!(json, serde_json::json!({"warning": "low", "balance_after": 3}));
    }
}
