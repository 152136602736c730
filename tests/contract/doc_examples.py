"""Response bodies as the platforms' official docs show them, one per example.

Each entry names the page it was copied from. Ids, tokens and URLs are the
pages' own placeholders: the contract test compares keys and JSON types
(recursively), and, where a page lists fixed values (an enum, a status), it
says so with ``VALUES``.
"""

from __future__ import annotations

from typing import Any

TIKTOK_LOG_ID = "202210112248442CB9319E1FB30C1073F3"
OK = {"code": "ok", "message": "", "log_id": TIKTOK_LOG_ID}

# name -> (page, example body)
EXAMPLES: dict[str, tuple[str, Any]] = {
    # --- TikTok ----------------------------------------------------------------
    "tiktok.creator_info": (
        "https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info",
        {
            "data": {
                "creator_avatar_url": "https://lf16-tt4d.tiktokcdn.com/obj/tiktok-open-platform/8d5740ac3844be417beeacd0df75aef1",
                "creator_nickname": "Tik Toker",
                "creator_username": "tiktok",
                "stitch_disabled": False,
                "comment_disabled": False,
                "duet_disabled": False,
                "max_video_post_duration_sec": 300,
                "privacy_level_options": [
                    "PUBLIC_TO_EVERYONE",
                    "MUTUAL_FOLLOW_FRIENDS",
                    "SELF_ONLY",
                ],
            },
            "error": OK,
        },
    ),
    "tiktok.video_init": (
        "https://developers.tiktok.com/doc/content-posting-api-reference-direct-post",
        {
            "data": {
                "publish_id": "v_pub_file~v2-1.123456789",
                "upload_url": "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123",
            },
            "error": OK,
        },
    ),
    "tiktok.photo_init": (
        "https://developers.tiktok.com/doc/content-posting-api-reference-photo-post",
        {"data": {"publish_id": "p_pub_url~v2.123456789"}, "error": OK},
    ),
    "tiktok.status_fetch": (
        "https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status",
        {"data": {"status": "PROCESSING_UPLOAD", "uploaded_bytes": 10000}, "error": OK},
    ),
    "tiktok.video_query": (
        "https://developers.tiktok.com/doc/tiktok-api-v2-video-query",
        {
            "data": {
                "videos": [
                    {
                        "id": "7080217258529732865",
                        "like_count": 10,
                        "comment_count": 2,
                        "share_count": 1,
                        "view_count": 120,
                    }
                ]
            },
            "error": OK,
        },
    ),
    "tiktok.token": (
        "https://developers.tiktok.com/doc/oauth-user-access-token-management",
        {
            "access_token": "act.example12345Example12345Example",
            "expires_in": 86400,
            "open_id": "afd97af1-b87b-48b9-ac98-410aghda5344",
            "refresh_expires_in": 31536000,
            "refresh_token": "rft.example12345Example12345Example",
            "scope": "user.info.basic,video.list",
            "token_type": "Bearer",
        },
    ),
    # --- Facebook Pages ----------------------------------------------------------
    "facebook.feed_post": (
        "https://developers.facebook.com/docs/pages-api/posts#publish-posts",
        {"id": "page_post_id"},
    ),
    "facebook.photo_unpublished": (
        "https://developers.facebook.com/docs/graph-api/reference/page/photos/#publishing",
        {"id": "photo_id"},
    ),
    "facebook.photo_published": (
        "https://developers.facebook.com/docs/graph-api/reference/page/photos/#publishing",
        {"id": "photo_id", "post_id": "page_post_id"},
    ),
    "facebook.me_accounts": (
        "https://developers.facebook.com/docs/pages-api/getting-started#get-page-access-tokens",
        {
            "data": [
                {
                    "access_token": "page-access-token",
                    "category": "Brand",
                    "category_list": [{"id": "1605186416478696", "name": "Brand"}],
                    "name": "Cisco Test Page",
                    "id": "1234567890",
                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                }
            ],
            "paging": {
                "cursors": {
                    "before": "MTM1MzI2OTg2NDcyODg3OQZDZD",
                    "after": "MTM1MzI2OTg2NDcyODg3OQZDZD",
                }
            },
        },
    ),
    "facebook.post_reactions_summary": (
        "https://developers.facebook.com/docs/graph-api/reference/object/reactions",
        {
            "reactions": {"data": [], "summary": {"total_count": 0, "viewer_reaction": "NONE"}},
            "id": "page_post_id",
        },
    ),
    "facebook.post_insights": (
        "https://developers.facebook.com/docs/graph-api/reference/insights",
        {
            "data": [
                {
                    "name": "post_impressions",
                    "period": "lifetime",
                    "values": [{"value": 1234}],
                    "title": "Lifetime Post Total Impressions",
                    "description": "Lifetime: The number of times your Page's post entered a person's screen. (Total Count)",
                    "id": "page_post_id/insights/post_impressions/lifetime",
                }
            ],
            "paging": {
                "previous": "https://graph.facebook.com/…",
                "next": "https://graph.facebook.com/…",
            },
        },
    ),
    "facebook.delete_post": (
        "https://developers.facebook.com/docs/pages-api/posts#delete-a-post",
        {"success": True},
    ),
    # --- Instagram -------------------------------------------------------------
    "instagram.create_container": (
        "https://developers.facebook.com/docs/instagram-platform/content-publishing",
        {"id": "17889455560051444"},
    ),
    "instagram.container_status": (
        "https://developers.facebook.com/docs/instagram-platform/reference/ig-container",
        {"status_code": "FINISHED", "id": "17889615691921648"},
    ),
    "instagram.media_publish": (
        "https://developers.facebook.com/docs/instagram-platform/content-publishing",
        {"id": "17920238422030506"},
    ),
    "instagram.publishing_limit": (
        "https://developers.facebook.com/docs/instagram-platform/reference/ig-user/content_publishing_limit",
        {"data": [{"quota_usage": 2, "config": {"quota_total": 100, "quota_duration": 86400}}]},
    ),
    "instagram.media_insights": (
        "https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights",
        {
            "data": [
                {
                    "name": "likes",
                    "period": "lifetime",
                    "values": [{"value": 3}],
                    "title": "Likes",
                    "description": "The number of likes on your post.",
                    "id": "18102145678901234/insights/likes/lifetime",
                }
            ]
        },
    ),
    # --- Threads ---------------------------------------------------------------
    "threads.create_container": (
        "https://developers.facebook.com/docs/threads/posts",
        {"id": "1234567"},
    ),
    "threads.container_status": (
        "https://developers.facebook.com/docs/threads/troubleshooting",
        {"status": "FINISHED", "id": "1234567"},
    ),
    "threads.publish": (
        "https://developers.facebook.com/docs/threads/posts",
        {"id": "1234567"},
    ),
    "threads.publishing_limit": (
        "https://developers.facebook.com/docs/threads/troubleshooting#retrieve-publishing-quota-limit",
        {"data": [{"quota_usage": 4, "config": {"quota_total": 250, "quota_duration": 86400}}]},
    ),
    "threads.media_insights": (
        "https://developers.facebook.com/docs/threads/insights",
        {
            "data": [
                {
                    "name": "likes",
                    "period": "lifetime",
                    "values": [{"value": 100}],
                    "title": "Likes",
                    "description": "The number of likes on your post.",
                    "id": "1234567/insights/likes/lifetime",
                }
            ]
        },
    ),
    "threads.delete": (
        "https://developers.facebook.com/docs/threads/posts/delete-posts",
        {"success": True, "deleted_id": "1234567890"},
    ),
    # --- LinkedIn --------------------------------------------------------------
    "linkedin.userinfo": (
        "https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2",
        {
            "sub": "782bbtaQ",
            "name": "John Doe",
            "given_name": "John",
            "family_name": "Doe",
            "picture": "https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/",
            "locale": "en-US",
            "email": "doe@email.com",
            "email_verified": True,
        },
    ),
    "linkedin.images_initialize_upload": (
        "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api",
        {
            "value": {
                "uploadUrlExpiresAt": 1650567510704,
                "uploadUrl": "https://www.linkedin.com/dms-uploads/C4E10AQFoyyAjHPMQuQ/uploaded-image/0?ca=vector_ads&cn=uploads",
                "image": "urn:li:image:C4E10AQFoyyAjHPMQuQ",
            }
        },
    ),
    "linkedin.get_post": (
        "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api",
        {
            "isReshareDisabledByAuthor": False,
            "createdAt": 1655940476843,
            "lifecycleState": "PUBLISHED",
            "lastModifiedAt": 1655940476843,
            "visibility": "PUBLIC",
            "publishedAt": 1655940476843,
            "author": "urn:li:organization:5515715",
            "id": "urn:li:share:6944818185066278912",
            "distribution": {"feedDistribution": "MAIN_FEED", "thirdPartyDistributionChannels": []},
            "commentary": "Sample text Post",
            "lifecycleStateInfo": {"isEditedByAuthor": False},
        },
    ),
    "linkedin.social_actions": (
        "https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions",
        {
            "commentsSummary": {
                "selectedComments": [],
                "totalFirstLevelComments": 0,
                "aggregatedTotalComments": 0,
            },
            "target": "urn:li:share:6844785523593134080",
            "likesSummary": {
                "selectedLikes": [],
                "aggregatedTotalLikes": 0,
                "likedByCurrentUser": False,
                "totalLikes": 0,
            },
            "$URN": "urn:li:socialActions:urn:li:share:6844785523593134080",
        },
    ),
    # --- tokens and errors --------------------------------------------------------
    "tiktok.user_info": (
        "https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info",
        {
            "data": {
                "user": {
                    "avatar_url": "https://p19-sign.tiktokcdn-us.com/tos-useast5-avt-0068-tx/b17f0e4b3a4f4a50993cf72cda8b88b8~c5_168x168.jpeg",
                    "open_id": "723f24d7-e717-40f8-a2b6-cb8464cd23b4",
                    "union_id": "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1",
                    "display_name": "Tik Toker",
                }
            },
            "error": OK,
        },
    ),
    "tiktok.error": (
        "https://developers.tiktok.com/doc/tiktok-api-v2-error-handling",
        {
            "data": {},
            "error": {
                "code": "access_token_invalid",
                "message": "The access token is invalid or not found in the request.",
                "log_id": TIKTOK_LOG_ID,
            },
        },
    ),
    "facebook.error": (
        "https://developers.facebook.com/docs/graph-api/guides/error-handling",
        {
            "error": {
                "message": "Message describing the error",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 460,
                "error_user_title": "A title",
                "error_user_msg": "A message",
                "fbtrace_id": "EJplcsCHuLu",
            }
        },
    ),
    "facebook.long_lived_token": (
        "https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived",
        {
            "access_token": "{long-lived-user-access-token}",
            "token_type": "bearer",
            "expires_in": 5183944,
        },
    ),
    "instagram.refresh_token": (
        "https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token",
        {
            "access_token": "{long-lived-user-access-token}",
            "token_type": "bearer",
            "expires_in": 5183944,
        },
    ),
    "threads.refresh_token": (
        "https://developers.facebook.com/docs/threads/get-started/long-lived-tokens",
        {
            "access_token": "<LONG_LIVED_USER_ACCESS_TOKEN>",
            "token_type": "bearer",
            "expires_in": 5183944,
        },
    ),
    "linkedin.access_token": (
        "https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow",
        {
            "access_token": "AQUvlL_DYEzvT2wz1QJiEPeLioeA",
            "expires_in": 5184000,
            "scope": "r_basicprofile",
        },
    ),
    "linkedin.error": (
        "https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling",
        {"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401},
    ),
}

# Where the emulator follows the live API rather than a page's example, on purpose.
KNOWN_DIFFERENCES: dict[str, set[str]] = {
    # The page shows "en-US"; the live endpoint answers {"country": "US", "language": "en"}.
    "linkedin.userinfo": {"$.locale"},
    # The page's example is the fullest error; a bad token carries no subcode and no
    # user-facing title/message (the page: "present only when …").
    "facebook.error": {
        "$.error.error_subcode",
        "$.error.error_user_title",
        "$.error.error_user_msg",
    },
}

# Fixed values a page lists (not placeholders): path -> the documented value.
VALUES: dict[str, dict[str, Any]] = {
    "tiktok.creator_info": {
        "$.data.privacy_level_options": [
            "PUBLIC_TO_EVERYONE",
            "MUTUAL_FOLLOW_FRIENDS",
            "SELF_ONLY",
        ],
        "$.error.code": "ok",
    },
    "tiktok.token": {"$.token_type": "Bearer"},
    "tiktok.error": {"$.error.code": "access_token_invalid"},
    "facebook.error": {"$.error.type": "OAuthException", "$.error.code": 190},
    "facebook.long_lived_token": {"$.token_type": "bearer"},
    "instagram.refresh_token": {"$.token_type": "bearer"},
    "threads.refresh_token": {"$.token_type": "bearer"},
    "linkedin.error": {"$.serviceErrorCode": 65600, "$.status": 401},
    "facebook.delete_post": {"$.success": True},
    "instagram.container_status": {"$.status_code": "FINISHED"},
    "threads.container_status": {"$.status": "FINISHED"},
    "threads.delete": {"$.success": True},
    "linkedin.get_post": {"$.lifecycleState": "PUBLISHED", "$.visibility": "PUBLIC"},
}
