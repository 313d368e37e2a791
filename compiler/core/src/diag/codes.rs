//! The stable diagnostic codes, each with a title and the long text `stackc explain` prints.

mod chef;
mod import;
mod input;
mod output;
mod safety;
mod stack;
mod targets;
mod values;

use chef::chef_codes;
use import::import_codes;
use input::input_codes;
use output::output_codes;
use safety::safety_codes;
use stack::stack_codes;
use targets::targets_codes;
use values::values_codes;

/// Makes [`Code`] of every code's variant, slug, title and text, in order;
/// the families' macros (`input_codes!` and the rest, one file each) hand
/// their codes along to it.
macro_rules! codes {
    (; $($variant:ident $slug:literal $title:literal $text:literal;)*) => {
        /// A stable diagnostic code, rendered as `stackc::<slug>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $(#[doc = $title] $variant,)* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The part after `stackc::`.
            pub fn slug(self) -> &'static str {
                match self { $(Code::$variant => $slug,)* }
            }

            /// One line saying what the code is about.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }

            /// The long explanation, with an example and the fix.
            pub fn explanation(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }
        }
    };
}

impl Code {
    /// `stackc::<slug>`.
    pub fn name(self) -> String {
        format!("stackc::{}", self.slug())
    }

    /// Finds a code by `stackc::slug` or `slug`.
    pub fn lookup(name: &str) -> Option<Code> {
        let slug = name.strip_prefix("stackc::").unwrap_or(name);
        Code::ALL.iter().copied().find(|c| c.slug() == slug)
    }
}

// Every code, family by family, in documentation order.
input_codes! {
    values_codes, stack_codes, safety_codes, output_codes, targets_codes, chef_codes, import_codes, codes;
}
