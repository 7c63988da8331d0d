"""The post a creator describes: its model and the post.yaml schema."""
