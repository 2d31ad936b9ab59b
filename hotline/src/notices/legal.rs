//! The legal grounds a notice cites. The reasoned explanation itself is in the editable templates, keyed
//! by [`LegalGround::code`]; this module only picks the ground and its citation.

use disrupt_openapi::model::Category;
pub use disrupt_openapi::notices::LegalGround;

/// The legal ground's code (which the templates branch on) and citation.
pub trait LegalGroundExt {
    /// Stable code the templates branch on.
    fn code(self) -> &'static str;
    /// The statute cited.
    fn citation(self) -> &'static str;
}

/// The ground a case's category calls for, unless the analyst picks another.
pub fn ground_for(category: Category) -> LegalGround {
    match category {
        Category::Deepfake => LegalGround::SexualDeepfake,
        Category::Minor => LegalGround::MinorSexualImage,
        Category::SextortionThreat => LegalGround::Sextortion,
        Category::AdultNcii | Category::Other => LegalGround::IntimateImageWithoutConsent,
    }
}

impl LegalGroundExt for LegalGround {
    fn code(self) -> &'static str {
        match self {
            Self::IntimateImageWithoutConsent => "intimate_image_without_consent",
            Self::SexualDeepfake => "sexual_deepfake",
            Self::MinorSexualImage => "minor_sexual_image",
            Self::Sextortion => "sextortion",
        }
    }

    fn citation(self) -> &'static str {
        match self {
            Self::IntimateImageWithoutConsent => "Code pénal, art. 226-2-1",
            Self::SexualDeepfake => "Code pénal, art. 226-8-1",
            Self::MinorSexualImage => "Code pénal, art. 227-23",
            Self::Sextortion => "Code pénal, art. 226-2-1 et 312-10",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deepfakes_cite_226_8_1_and_intimate_images_226_2_1() {
        assert_eq!(LegalGround::SexualDeepfake.citation(), "Code pénal, art. 226-8-1");
        assert_eq!(LegalGround::IntimateImageWithoutConsent.citation(), "Code pénal, art. 226-2-1");
        assert_eq!(serde_json::to_string(&LegalGround::Sextortion).expect("json"), "\"sextortion\"");
    }
}
