-- The hot path with fewer statements: a new subscriber cannot have a subscription or history yet, so those lookups
-- are skipped for them; the counters are moved once per call (opt-in, opt-out and request deltas together).
CREATE OR REPLACE FUNCTION optins.apply_keyword(
    p_platform_number text, p_word text, p_phone text, p_new_id uuid, p_new_code text,
    p_text text, p_at timestamptz, p_shard smallint, p_reply_interval interval)
RETURNS TABLE (out_keyword_id uuid, out_company_id uuid, out_word text, out_auto_reply text, out_subscriber_id uuid,
               out_user_code text, out_new_subscriber boolean, out_opted_in_now boolean, out_request_number integer,
               out_reply boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_keyword_id uuid; v_company_id uuid; v_word text; v_auto_reply text;
    v_sub_id uuid; v_code text; v_new boolean;
    v_prev_in boolean; v_prev_keyword uuid; v_found boolean := false;
    v_prev_last timestamptz; v_times integer := 1;
BEGIN
    SELECT k.id, k.company_id, k.word, k.auto_reply INTO v_keyword_id, v_company_id, v_word, v_auto_reply
    FROM optins.keywords k
    WHERE k.platform_number = p_platform_number AND k.word = p_word AND k.deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    INSERT INTO optins.subscribers AS s (id, phone, user_code, created_at, last_seen_at)
    VALUES (p_new_id, p_phone, p_new_code, p_at, p_at)
    ON CONFLICT (phone) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
    RETURNING s.id, s.user_code INTO v_sub_id, v_code;
    v_new := (v_sub_id = p_new_id);

    IF NOT v_new THEN
        -- The subscriber row is locked by the upsert above, so these reads see every earlier text from this number.
        SELECT sb.opted_in, sb.keyword_id INTO v_prev_in, v_prev_keyword
        FROM optins.subscriptions sb
        WHERE sb.company_id = v_company_id AND sb.subscriber_id = v_sub_id
        FOR UPDATE;
        v_found := FOUND;
        SELECT rt.last_at INTO v_prev_last FROM optins.request_totals rt
        WHERE rt.keyword_id = v_keyword_id AND rt.subscriber_id = v_sub_id;
    END IF;

    out_opted_in_now := false;
    IF NOT v_found THEN
        INSERT INTO optins.subscriptions (company_id, subscriber_id, phone, platform_number, keyword_id, opted_in, changed_at, last_contact_at)
        VALUES (v_company_id, v_sub_id, p_phone, p_platform_number, v_keyword_id, true, p_at, p_at);
        out_opted_in_now := true;
    ELSIF NOT v_prev_in THEN
        -- Texting a keyword is an express request: it opts back in, now counted under this keyword.
        UPDATE optins.subscriptions sb
        SET opted_in = true, keyword_id = v_keyword_id, platform_number = p_platform_number, changed_at = p_at, last_contact_at = p_at
        WHERE sb.company_id = v_company_id AND sb.subscriber_id = v_sub_id;
        INSERT INTO optins.keyword_counters AS c (keyword_id, shard, opted_in, opted_out, requests)
        VALUES (v_prev_keyword, p_shard, 0, -1, 0)
        ON CONFLICT (keyword_id, shard) DO UPDATE SET opted_out = c.opted_out - 1;
        out_opted_in_now := true;
    ELSE
        UPDATE optins.subscriptions sb
        SET platform_number = p_platform_number, last_contact_at = p_at
        WHERE sb.company_id = v_company_id AND sb.subscriber_id = v_sub_id;
    END IF;

    IF out_opted_in_now THEN
        INSERT INTO optins.consent_records (subscriber_id, company_id, keyword_id, opted_in, via, message_text, recorded_at)
        VALUES (v_sub_id, v_company_id, v_keyword_id, true, 'sms', p_text, p_at);
    END IF;

    IF v_new THEN
        INSERT INTO optins.request_totals (keyword_id, subscriber_id, company_id, times, first_at, last_at)
        VALUES (v_keyword_id, v_sub_id, v_company_id, 1, p_at, p_at);
    ELSE
        INSERT INTO optins.request_totals AS rt (keyword_id, subscriber_id, company_id, times, first_at, last_at)
        VALUES (v_keyword_id, v_sub_id, v_company_id, 1, p_at, p_at)
        ON CONFLICT (keyword_id, subscriber_id) DO UPDATE SET times = rt.times + 1, last_at = EXCLUDED.last_at
        RETURNING rt.times INTO v_times;
    END IF;

    INSERT INTO optins.requests (company_id, keyword_id, subscriber_id, user_code, keyword, request_number, received_at)
    VALUES (v_company_id, v_keyword_id, v_sub_id, v_code, v_word, v_times, p_at);

    INSERT INTO optins.keyword_counters AS c (keyword_id, shard, opted_in, opted_out, requests)
    VALUES (v_keyword_id, p_shard, CASE WHEN out_opted_in_now THEN 1 ELSE 0 END, 0, 1)
    ON CONFLICT (keyword_id, shard) DO UPDATE SET opted_in = c.opted_in + EXCLUDED.opted_in, requests = c.requests + 1;

    out_keyword_id := v_keyword_id;
    out_company_id := v_company_id;
    out_word := v_word;
    out_auto_reply := v_auto_reply;
    out_subscriber_id := v_sub_id;
    out_user_code := v_code;
    out_new_subscriber := v_new;
    out_request_number := v_times;
    -- A repeat of the same keyword within the interval is recorded but not answered (no loops with auto-responders).
    out_reply := out_opted_in_now OR v_prev_last IS NULL OR v_prev_last <= p_at - p_reply_interval;
    RETURN NEXT;
END $$;
