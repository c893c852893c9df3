variable "min" { default = 2 }
module "payments" {
  source = "./modules/payments"
  tags   = { for k, v in local.tags : k => upper(v) }
}
resource "aws_backup_plan" "p" {
  rule {
    rule_name         = "daily"
    schedule          = "cron(0 5 ? * * *)"
    lifecycle { delete_after = 35 }
  }
}
