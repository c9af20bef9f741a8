"""Chinese labels for the figures' columns (one place, shared by pages and downloads)."""
DEPT_LABELS = {
    "rank": "排名", "dept_id": "部门编号", "dept_name": "部门", "dispatched": "派单数", "handled": "处置数",
    "handling_rate": "处置率", "timely_handling_rate": "及时处置率", "closed_on_time": "按期办结",
    "closed_late": "超期办结", "open_overdue": "超期未办结", "open_in_time": "未到期在办", "closure_rate": "办结率",
    "on_time_closure_rate": "按期办结率", "satisfaction_rate": "满意率", "returned": "退单数", "escalated": "升级数",
}
RATE_LABELS = ["处置率", "及时处置率", "办结率", "按期办结率", "满意率"]
STATUS_LABELS = {"closed_on_time": "按期办结", "closed_late": "超期办结", "open_overdue": "超期未办结",
                 "open_in_time": "未到期在办", "returned": "已退回"}
