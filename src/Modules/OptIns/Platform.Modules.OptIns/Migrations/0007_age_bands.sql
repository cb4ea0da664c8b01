-- One age rule (ADR 30): nobody under 18 gives the platform personal data. The age bands now start at 18; the two that
-- reached below it ("16 or under", "17-20") are cleared, so the statistics never report an age group the policy says we do
-- not have, and the person can choose a band again on their profile. Their accounts stay: they were opened under the rule
-- then in force (16), and an account holds no date of birth that would say who is under 18 now.
UPDATE optins.subscriber_accounts SET age_band = NULL WHERE age_band IN ('16 or under', '17-20');
