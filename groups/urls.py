from django.urls import path

from . import bulk_views, dynamic_views, views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("mine/", views.my_groups, name="mine"),
    path("hierarchy/", views.hierarchy, name="hierarchy"),
    path("bulk/user-group-mapping-template.csv", bulk_views.user_mapping_template, name="user_mapping_template"),
    path("bulk/parent-group-mapping-template.csv", bulk_views.parent_mapping_template, name="parent_mapping_template"),
    path("bulk/user-group-mapping.csv", bulk_views.export_user_mapping, name="export_user_mapping"),
    path("bulk/parent-group-mapping.csv", bulk_views.export_parent_mapping, name="export_parent_mapping"),
    path("<id:group_id>/", views.group_detail, name="detail"),
    path("<id:group_id>/move/", views.move_group, name="move"),
    path("<id:group_id>/rename/", views.rename_group, name="rename"),
    path("<id:group_id>/delete/", views.delete_group, name="delete"),
    path("<id:group_id>/rule/", dynamic_views.edit_rule, name="rule"),
    path("<id:group_id>/rule/preview/", dynamic_views.preview_rule, name="rule_preview"),
    path("<id:group_id>/rule/clear/", dynamic_views.clear_rule, name="clear_rule"),
    path("<id:group_id>/members/add/", views.add_members, name="add_members"),
    path("<id:group_id>/members/<id:user_id>/remove/", views.remove_member, name="remove_member"),
    path("<id:group_id>/members/<id:user_id>/role/", views.change_role, name="change_role"),
]
