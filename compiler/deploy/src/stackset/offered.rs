//! What a target region does not offer: an instance type a layer asks for.
//! The stack file is checked offline against stdlib's table of instance
//! types, which holds no per-region data; which types a region offers is
//! asked of EC2 in each target region at `deploy` and `diff`, before any
//! StackSet operation, so a type a region lacks is refused naming the
//! region and layer rather than failing that stack instance mid-operation.

use crate::cloud::CloudError;

/// EC2's offerings in one region.
#[allow(async_fn_in_trait)]
pub trait Offerings {
    /// Which of `types` the region offers (DescribeInstanceTypeOfferings,
    /// by region, all pages).
    async fn offered(&self, types: &[String]) -> Result<Vec<String>, CloudError>;
}

/// A layer's instance type a target region does not offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotOffered {
    /// The target region.
    pub region: String,
    /// The layer.
    pub layer: String,
    /// Its instance type.
    pub instance_type: String,
}

/// The layers' instance types (`(layer, type)`) each region of `regions`
/// does not offer, in the order of regions and layers.
pub async fn not_offered<O: Offerings>(
    regions: &[(String, &O)],
    layers: &[(String, String)],
) -> Result<Vec<NotOffered>, CloudError> {
    let mut types: Vec<String> = layers.iter().map(|(_, t)| t.clone()).collect();
    types.sort();
    types.dedup();
    let mut missing = Vec::new();
    if types.is_empty() {
        return Ok(missing);
    }
    for (region, ec2) in regions {
        let offered = ec2.offered(&types).await?;
        for (layer, t) in layers {
            if !offered.contains(t) {
                missing.push(NotOffered {
                    region: region.clone(),
                    layer: layer.clone(),
                    instance_type: t.clone(),
                });
            }
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Region {
        offers: &'static [&'static str],
        asked: RefCell<Vec<Vec<String>>>,
    }

    impl Offerings for Region {
        async fn offered(&self, types: &[String]) -> Result<Vec<String>, CloudError> {
            self.asked.borrow_mut().push(types.to_vec());
            Ok(types
                .iter()
                .filter(|t| self.offers.contains(&t.as_str()))
                .cloned()
                .collect())
        }
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn region(offers: &'static [&'static str]) -> Region {
        Region {
            offers,
            asked: RefCell::new(Vec::new()),
        }
    }

    #[test]
    fn a_type_one_target_region_lacks_is_named_with_its_region_and_layer() {
        let east = region(&["t3.small", "m7i.large"]);
        let west = region(&["t3.small"]);
        let layers = vec![
            ("web".to_string(), "m7i.large".to_string()),
            ("worker".to_string(), "t3.small".to_string()),
            ("batch".to_string(), "m7i.large".to_string()),
        ];
        let regions = vec![
            ("us-east-1".to_string(), &east),
            ("ap-south-2".to_string(), &west),
        ];
        let missing = block_on(not_offered(&regions, &layers)).unwrap();
        let said: Vec<String> = missing
            .iter()
            .map(|m| format!("{} {} {}", m.region, m.layer, m.instance_type))
            .collect();
        assert_eq!(
            said,
            ["ap-south-2 web m7i.large", "ap-south-2 batch m7i.large"]
        );
        // Each region is asked once, for each type once.
        assert_eq!(
            *east.asked.borrow(),
            vec![vec!["m7i.large".to_string(), "t3.small".to_string()]]
        );
        assert_eq!(west.asked.borrow().len(), 1);
    }

    #[test]
    fn no_layers_ask_nothing() {
        let east = region(&[]);
        let regions = vec![("us-east-1".to_string(), &east)];
        let missing = block_on(not_offered(&regions, &[])).unwrap();
        assert!(missing.is_empty());
        assert!(east.asked.borrow().is_empty());
    }
}
